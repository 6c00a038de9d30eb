from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize("method", ["tfidf", "textrank"])
async def test_chinese_keywords(client: httpx.AsyncClient, method: str) -> None:
    text = "这款手机的屏幕很清晰，电池续航也不错，手机拍照效果很好，屏幕色彩鲜艳"
    resp = await client.post("/v1/nlp/keywords", json={"text": text, "top_k": 3,
                                                        "method": method})
    assert resp.status_code == 200, resp.text
    (result,) = resp.json()["results"]
    assert result["method"] == method
    terms = [k["term"] for k in result["keywords"]]
    assert len(terms) == 3 and {"手机", "屏幕"} & set(terms)
    scores = [k["score"] for k in result["keywords"]]
    assert scores == sorted(scores, reverse=True)


async def test_english_keywords(client: httpx.AsyncClient) -> None:
    text = "The battery life is short. Battery life matters more than the camera quality."
    resp = await client.post("/v1/nlp/keywords", json={"text": text, "top_k": 2})
    (result,) = resp.json()["results"]
    assert result["method"] == "noun-chunks"
    assert result["keywords"][0] == {"term": "battery life", "score": 1.0}
