"""The app factory: standard endpoints, ids, readiness and the one error shape."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter
from pydantic import BaseModel
from shopmind_common.app import create_service_app
from shopmind_common.errors import Conflict
from shopmind_common.settings import ServiceSettings


class Item(BaseModel):
    name: str
    qty: int


def build() -> tuple:
    router = APIRouter(prefix="/v1/demo")

    @router.post("/items")
    async def create(item: Item) -> Item:
        if item.name == "dup":
            raise Conflict("item exists", details={"field": "name"})
        if item.name == "boom":
            raise RuntimeError("bug")
        return item

    app = create_service_app(
        name="demo", version="1.2.3", settings=ServiceSettings(), routers=[router]
    )
    return app, httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    )


async def test_errors_share_one_shape_and_name_the_field() -> None:
    _, client = build()
    async with client:
        bad = await client.post("/v1/demo/items", json={"name": "x", "qty": "many"})
        assert bad.status_code == 422
        err = bad.json()["error"]
        assert err["code"] == "validation_error"
        assert err["details"][0]["field"] == "body.qty"
        assert "body.qty" in err["message"]
        assert err["request_id"] == bad.headers["x-request-id"]

        dup = await client.post(
            "/v1/demo/items", json={"name": "dup", "qty": 1}, headers={"x-request-id": "req-42"}
        )
        assert dup.status_code == 409
        assert dup.json()["error"] == {
            "code": "conflict",
            "message": "item exists",
            "details": {"field": "name"},
            "request_id": "req-42",
        }
        assert dup.headers["x-request-id"] == "req-42"

        boom = await client.post("/v1/demo/items", json={"name": "boom", "qty": 1})
        assert boom.status_code == 500
        assert boom.json()["error"]["code"] == "internal_error"
        assert "bug" not in boom.text  # internals do not leak


async def test_readiness_waits_for_pending_work_and_metrics_count_routes() -> None:
    app, client = build()
    async with client:
        app.state.readiness.mark_pending("model", "loading")
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"] == {"model": "loading"}
        assert (await client.get("/healthz")).status_code == 200
        app.state.readiness.mark_ready("model")
        assert (await client.get("/readyz")).status_code == 200

        await asyncio.gather(
            *(client.post("/v1/demo/items", json={"name": "a", "qty": 1}) for _ in range(3))
        )
        metrics = (await client.get("/metrics")).text
        assert (
            'http_requests_total{method="POST",route="/v1/demo/items",service="demo",'
            'status="200"} 3.0'
        ) in metrics
        info = (await client.get("/info")).json()
        assert info["service"] == "demo" and info["version"] == "1.2.3"
