from __future__ import annotations

import httpx


async def test_health_ready_info_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": "decision"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    info = (await client.get("/info")).json()
    assert info["service"] == "decision"
    assert info["backends"]["events"] == "in-process"
    metrics = await client.get("/metrics")
    assert "http_requests_total" in metrics.text


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    resp = await client.get("/v1/decision/does-not-exist")
    assert resp.status_code == 404
    body = resp.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["request_id"] == resp.headers["x-request-id"]
