from __future__ import annotations

import httpx


async def test_health_ready_info_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": "projects"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"] == "ok"
    info = (await client.get("/info")).json()
    assert info["service"] == "projects"
    assert info["backends"]["events"] == "in-process"
    assert info["backends"]["database"] == "sqlite"
    assert info["backends"]["schema"] == "alembic 0001"
    metrics = await client.get("/metrics")
    assert "http_requests_total" in metrics.text


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    resp = await client.get("/v1/projects/does-not-exist")
    assert resp.status_code == 404
    body = resp.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["details"][0]["field"] == "path.project_id"
    assert body["error"]["request_id"] == resp.headers["x-request-id"]


async def test_openapi_lists_every_route(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/v1/projects", "/v1/projects/{project_id}/tasks",
                 "/v1/projects/{project_id}/tasks:from-text",
                 "/v1/projects/{project_id}/tasks:accept",
                 "/v1/projects/{project_id}/dependencies", "/v1/projects/{project_id}/schedule",
                 "/v1/projects/{project_id}/risks", "/v1/projects/{project_id}/progress",
                 "/v1/projects/{project_id}/milestones/{milestone_id}/burndown",
                 "/v1/projects/{project_id}/tasks/{task_id}/assignment-suggestions",
                 "/v1/projects/{project_id}/tasks/{task_id}/comments",
                 "/v1/projects/{project_id}/activity", "/v1/projects/{project_id}/members"):
        assert path in paths, path
