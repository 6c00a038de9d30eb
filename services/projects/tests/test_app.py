from __future__ import annotations

import httpx
from shopmind_common.testing import check_platform_endpoints, check_unknown_route


async def test_health_ready_info_metrics(client: httpx.AsyncClient) -> None:
    answers = await check_platform_endpoints(client, "projects")
    assert answers["ready"]["checks"]["database"] == "ok"
    info = answers["info"]
    assert info["backends"]["database"] == "sqlite"
    assert info["backends"]["schema"] == "alembic 0001"


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    error = await check_unknown_route(client, "/v1/projects/does-not-exist")
    assert error["details"][0]["field"] == "path.project_id"


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
