"""Service-to-service calls: in process by name, ids carried, bad paths refused as 4xx."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from shopmind_common.context import request_id_var
from shopmind_common.errors import BadRequest, Unavailable
from shopmind_common.http import register_local_app, service_client
from shopmind_common.settings import ServiceSettings


def _echo_app() -> FastAPI:
    app = FastAPI()

    @app.get("/v1/echo/{item}")
    async def echo(item: str, request: Request) -> dict[str, str | None]:
        return {"item": item, "request_id": request.headers.get("x-request-id")}

    return app


async def test_in_process_call_carries_the_request_id() -> None:
    register_local_app("echo", _echo_app())
    client = service_client("echo", ServiceSettings())
    token = request_id_var.set("req-7")
    try:
        resp = await client.get("/v1/echo/abc")
    finally:
        request_id_var.reset(token)
        await client.aclose()
    assert resp.json() == {"item": "abc", "request_id": "req-7"}


async def test_a_path_no_url_can_carry_is_a_bad_request() -> None:
    register_local_app("echo", _echo_app())
    client = service_client("echo", ServiceSettings())
    try:
        with pytest.raises(BadRequest) as err:
            await client.get("/v1/echo/a\x11b")
    finally:
        await client.aclose()
    assert err.value.status_code == 400


def test_unknown_service_names_the_setting() -> None:
    with pytest.raises(Unavailable) as err:
        service_client("nowhere", ServiceSettings())
    assert err.value.details["setting"] == "SHOPMIND_SERVICE_URLS"
