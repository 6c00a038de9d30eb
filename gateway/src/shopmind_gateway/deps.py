"""Dependencies of the gateway's own endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from shopmind_common.identity import Caller

from shopmind_gateway.auth.authenticator import authorize
from shopmind_gateway.keys.service import KeyService
from shopmind_gateway.proxy.pipeline import Gateway


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def _admin(request: Request) -> Caller:
    caller = await _gateway(request).auth.authenticate(request.scope["headers"])
    authorize(caller, "admin")
    return caller


def _keys(request: Request) -> KeyService:
    return _gateway(request).auth.keys


AdminDep = Annotated[Caller, Depends(_admin)]
KeysDep = Annotated[KeyService, Depends(_keys)]
