from __future__ import annotations

import httpx
from shopmind_common.testing import check_platform_endpoints, check_unknown_route


async def test_health_ready_info_metrics(client: httpx.AsyncClient) -> None:
    await check_platform_endpoints(client, "decision")


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    await check_unknown_route(client, "/v1/decision/does-not-exist")
