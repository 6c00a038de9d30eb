from __future__ import annotations

import httpx


async def test_embed_is_512_d_and_normalised(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/nlp/embed", json={"texts": ["质量很好", "good quality"]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["dimensions"] == 512 and len(body["embeddings"]) == 2
    for vec in body["embeddings"]:
        assert len(vec) == 512
        assert abs(sum(x * x for x in vec) - 1) < 1e-3


async def test_pairs_and_top_k(client: httpx.AsyncClient) -> None:
    pairs = await client.post("/v1/nlp/similarity", json={"pairs": [
        ["质量很好", "The quality is very good"], ["质量很好", "物流太慢了"]]})
    assert pairs.status_code == 200, pairs.text
    same, different = pairs.json()["scores"]
    assert same > different
    top = await client.post("/v1/nlp/similarity", json={
        "query": "电池续航很长", "candidates": ["屏幕很大", "battery lasts long", "价格便宜"],
        "top_k": 2})
    matches = top.json()["matches"]
    assert len(matches) == 2 and matches[0]["index"] == 1
    assert matches[0]["score"] >= matches[1]["score"]
    bad = await client.post("/v1/nlp/similarity", json={"query": "x"})
    assert bad.status_code == 422
