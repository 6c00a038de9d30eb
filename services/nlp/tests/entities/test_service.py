from __future__ import annotations

import httpx


async def _entities(client: httpx.AsyncClient, text: str) -> list[tuple[str, str]]:
    resp = await client.post("/v1/nlp/entities", json={"text": text})
    assert resp.status_code == 200, resp.text
    (result,) = resp.json()["results"]
    for e in result["entities"]:
        assert text[e["start"]:e["end"]].lower() == e["text"].lower() or e["label"] in {
            "brand", "product"}
    return [(e["text"], e["label"]) for e in result["entities"]]


async def test_chinese_money_quantity_brand_and_place(client: httpx.AsyncClient) -> None:
    found = await _entities(client, "在北京买的华为手机，199元，还送了3个壳")
    assert ("华为", "brand") in found
    assert ("199元", "money") in found
    assert ("3个", "quantity") in found
    assert ("北京", "place") in found


async def test_english_ner(client: httpx.AsyncClient) -> None:
    found = await _entities(client, "I bought it from Amazon in London for $45 last week.")
    labels = dict(found)
    assert labels.get("Amazon") == "organisation"
    assert labels.get("London") == "place"
    assert any(label == "money" for _, label in found)


async def test_user_brand_and_product_lexicon(client: httpx.AsyncClient) -> None:
    put = await client.put("/v1/nlp/lexicon/brand",
                           json={"terms": [{"term": "悦木之源", "aliases": ["Origins"]}]})
    assert put.status_code == 200
    put = await client.put("/v1/nlp/lexicon/product",
                           json={"terms": [{"term": "菌菇水", "aliases": []}]})
    assert put.status_code == 200
    found = await _entities(client, "悦木之源的菌菇水很好用，Origins is great")
    assert found[:2] == [("悦木之源", "brand"), ("菌菇水", "product")]
    assert ("悦木之源", "brand") in found[2:]  # the alias maps to the canonical name
    listed = (await client.get("/v1/nlp/lexicon/brand")).json()
    assert {"term": "悦木之源", "aliases": ["Origins"], "source": "user"} in listed["terms"]
    assert (await client.delete("/v1/nlp/lexicon/product/菌菇水")).status_code == 204
    assert (await client.delete("/v1/nlp/lexicon/product/菌菇水")).status_code == 404
    bad = await client.put("/v1/nlp/lexicon/colour", json={"terms": [{"term": "x"}]})
    assert bad.status_code == 422
