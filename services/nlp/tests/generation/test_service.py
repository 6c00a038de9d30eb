from __future__ import annotations

import json

import httpx


async def test_generate_json_with_token_cap(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/nlp/generate", json={"prompt": "the battery is",
                                                        "max_tokens": 4})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["backend"] == "transformers"
    (result,) = body["results"]
    assert result["completion_tokens"] <= 4 and result["prompt_tokens"] == 3
    batch = await client.post("/v1/nlp/generate", json={
        "prompts": ["hello", "the price"], "max_tokens": 2})
    assert len(batch.json()["results"]) == 2
    over = await client.post("/v1/nlp/generate", json={"prompt": "x", "max_tokens": 17})
    assert over.status_code == 422
    assert over.json()["error"]["details"][0]["limit"] == "NLP_GEN_MAX_TOKENS"


async def test_generate_streams_server_sent_events(client: httpx.AsyncClient) -> None:
    body = {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 6, "stream": True}
    whole = await client.post("/v1/nlp/generate", json={**body, "stream": False})
    async with client.stream("POST", "/v1/nlp/generate", json=body) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        raw = "".join([chunk async for chunk in resp.aiter_text()])
    frames = [f for f in raw.split("\n\n") if f]
    assert frames[-1].startswith("event: done")
    pieces = [json.loads(f.removeprefix("data: "))["text"] for f in frames[:-1]]
    assert "".join(pieces).strip() == whole.json()["results"][0]["text"].strip()
