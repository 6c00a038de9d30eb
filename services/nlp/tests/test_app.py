from __future__ import annotations

import httpx


async def test_health_ready_info_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": "nlp"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    info = (await client.get("/info")).json()
    assert info["service"] == "nlp"
    assert info["backends"]["events"] == "in-process"
    models = info["models"]
    assert models["text"]["status"] == "ready"
    assert set(models["text"]["models"]) == {"jieba", "snownlp", "spacy"}
    assert models["text"]["models"]["spacy"]["version"] == "3.8.0"
    assert models["embeddings"]["dimensions"] == 512
    assert models["generation"]["backend"] == "transformers"
    assert models["generation"]["device"] == "cpu" and models["generation"]["path"]
    metrics = await client.get("/metrics")
    assert "http_requests_total" in metrics.text


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    resp = await client.get("/v1/nlp/does-not-exist")
    assert resp.status_code == 404
    body = resp.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["request_id"] == resp.headers["x-request-id"]
