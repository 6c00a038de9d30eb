"""Dependencies of the kg routes, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from shopmind_common.errors import Forbidden, Unauthorized, Unavailable
from shopmind_common.identity import CALLER_HEADER, SIGNATURE_HEADER, Caller, verify_caller

from shopmind_kg.admin.service import AdminService
from shopmind_kg.context import KgContext
from shopmind_kg.fusion.service import FusionService
from shopmind_kg.query.service import QueryService
from shopmind_kg.resolution.service import EntityService


def _context(request: Request) -> KgContext:
    ctx = getattr(request.app.state, "kg", None)
    if ctx is None:
        raise Unavailable("the knowledge graph is not started")
    return ctx


def _queries(request: Request) -> QueryService:
    return _context(request).queries


def _entities(request: Request) -> EntityService:
    return _context(request).entities


def _fusion(request: Request) -> FusionService:
    return _context(request).fusion


def _admin_caller(request: Request) -> Caller:
    """The gateway-signed caller, who must hold the `admin` scope."""
    caller = verify_caller(request.headers.get(CALLER_HEADER),
                           request.headers.get(SIGNATURE_HEADER),
                           request.app.state.settings.internal_secret)
    if caller is None:
        raise Unauthorized("a signed caller identity is required (through the gateway)")
    if "admin" not in caller.scopes:
        raise Forbidden("raw Cypher needs the admin scope", details={"scope": "admin"})
    return caller


def _admin(request: Request, _caller: Annotated[Caller, Depends(_admin_caller)]) -> AdminService:
    return _context(request).admin


QueryServiceDep = Annotated[QueryService, Depends(_queries)]
EntityServiceDep = Annotated[EntityService, Depends(_entities)]
FusionServiceDep = Annotated[FusionService, Depends(_fusion)]
AdminServiceDep = Annotated[AdminService, Depends(_admin)]
