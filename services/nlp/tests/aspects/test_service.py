from __future__ import annotations

import httpx


async def _aspects(client: httpx.AsyncClient, text: str) -> list[dict]:
    resp = await client.post("/v1/nlp/aspects", json={"text": text})
    assert resp.status_code == 200, resp.text
    (result,) = resp.json()["results"]
    return result["aspects"]


async def test_repeated_aspect_is_merged_with_both_mentions(client: httpx.AsyncClient) -> None:
    text = "商品A性价比高，质量好，性价比高。"
    aspects = await _aspects(client, text)
    assert [(a["aspect"], a["polarity"]) for a in aspects] == [("性价比", "positive"),
                                                               ("质量", "positive")]
    value, quality = aspects
    assert [(m["start"], m["end"]) for m in value["mentions"]] == [(3, 6), (12, 15)]
    assert all(text[m["start"]:m["end"]] == "性价比" for m in value["mentions"])
    assert all(text[m["opinion_start"]:m["opinion_end"]] == "高" for m in value["mentions"])
    assert [text[m["start"]:m["end"]] for m in quality["mentions"]] == ["质量"]


async def test_negation_degree_and_price_direction(client: httpx.AsyncClient) -> None:
    aspects = {a["aspect"]: a for a in await _aspects(
        client, "包装不太好，价格便宜，快递很快，物流也非常快")}
    assert aspects["物流"]["polarity"] == "positive"  # 快递 is an alias; both mentions merge
    assert len(aspects["物流"]["mentions"]) == 2
    assert aspects["包装"]["polarity"] == "negative"
    assert aspects["价格"]["polarity"] == "positive"
    high = {a["aspect"]: a for a in await _aspects(client, "价格太高了")}
    assert high["价格"]["polarity"] == "negative"


async def test_english_aspects_from_the_parse(client: httpx.AsyncClient) -> None:
    text = "The battery life is great, but the screen is not bright. Terrible customer service."
    aspects = {a["aspect"]: a for a in await _aspects(client, text)}
    assert aspects["battery life"]["polarity"] == "positive"
    assert aspects["screen"]["polarity"] == "negative"
    assert aspects["customer service"]["polarity"] == "negative"
    m = aspects["battery life"]["mentions"][0]
    assert text[m["start"]:m["end"]] == "battery life"


async def test_user_aspects_extend_the_lexicon(client: httpx.AsyncClient) -> None:
    text = "续航力很强，待机也不错"
    before = {a["aspect"] for a in await _aspects(client, text)}
    assert "待机" in before  # a noun of its own until the lexicon says otherwise
    resp = await client.put("/v1/nlp/lexicon/aspect",
                            json={"terms": [{"term": "续航力", "aliases": ["待机"]}]})
    assert resp.status_code == 200, resp.text
    after = {a["aspect"]: a for a in await _aspects(client, text)}
    assert after["续航力"]["polarity"] == "positive"
    assert len(after["续航力"]["mentions"]) == 2 and "待机" not in after
    assert (await client.delete("/v1/nlp/lexicon/aspect/续航力")).status_code == 204
