from __future__ import annotations

import httpx


async def test_analyze_a_batch_in_one_call(client: httpx.AsyncClient) -> None:
    texts = ["商品A性价比高，质量好，性价比高。华为的售后也不错", "The screen is gorgeous."]
    resp = await client.post("/v1/nlp/analyze", json={"texts": texts, "top_k": 3})
    assert resp.status_code == 200, resp.text
    zh, en = resp.json()["results"]
    assert zh["language"] == "zh" and en["language"] == "en"
    assert zh["sentiment"]["label"] == "positive"
    aspects = {a["aspect"]: a for a in zh["aspects"]}
    assert aspects["性价比"]["polarity"] == "positive" and len(aspects["性价比"]["mentions"]) == 2
    assert aspects["服务"]["polarity"] == "positive"  # 售后 is an alias of 服务
    at = texts[0].index("华为")
    assert {"text": "华为", "label": "brand", "start": at, "end": at + 2} in zh["entities"]
    assert 0 < len(zh["keywords"]) <= 3
    assert en["aspects"][0]["aspect"] == "screen"
    assert en["sentiment"]["backend"] == "builtin:vader"


async def test_language_can_be_given(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/nlp/analyze", json={"text": "OK", "language": "zh"})
    assert resp.json()["results"][0]["language"] == "zh"
    bad = await client.post("/v1/nlp/analyze", json={"text": "OK", "language": "fr"})
    assert bad.status_code == 422
