from __future__ import annotations

from typing import Any


async def test_requests_are_counted_per_route_and_status(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="on") as h:
        key = await h.key("nlp:read")
        await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": key})
        await h.client.get("/v1/nlp/echo/y/z", headers={"X-API-Key": key})
        await h.client.get("/v1/nlp/echo/x")
        text = (await h.client.get("/metrics")).text
        assert 'gateway_requests_total{method="GET",route="/v1/nlp",status="200"} 2.0' in text
        assert 'gateway_requests_total{method="GET",route="/v1/nlp",status="401"} 1.0' in text
        assert (
            'gateway_request_duration_seconds_count{method="GET",route="/v1/nlp",status="200"} 2.0'
        ) in text
        assert 'gateway_auth_failures_total{code="missing_credentials"} 1.0' in text
        assert 'gateway_circuit_breaker_state{upstream="nlp"} 0.0' in text
