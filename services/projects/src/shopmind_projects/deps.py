"""Dependencies of the routes, declared once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from shopmind_common.db import Database
from shopmind_common.errors import Conflict, PreconditionFailed, Unauthorized
from shopmind_common.identity import (
    ANONYMOUS,
    CALLER_HEADER,
    SIGNATURE_HEADER,
    Caller,
    verify_caller,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from shopmind_projects.config import ProjectsSettings
from shopmind_projects.core.idempotency import IdempotencyRequest
from shopmind_projects.core.pagination import PageRequest, parse_sort
from shopmind_projects.integrations.nlp import NlpClient


def _settings(request: Request) -> ProjectsSettings:
    settings: ProjectsSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[ProjectsSettings, Depends(_settings)]


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response leaves, else rolled back."""
    db: Database = request.app.state.db
    try:
        async with db.session() as session:
            yield session
    except StaleDataError as exc:
        # A concurrent writer bumped the version between our read and our write.
        raise PreconditionFailed(
            "the resource was changed by a concurrent write; fetch it again and retry",
            details=[{"field": "header.If-Match", "message": "stale"}]) from exc
    except IntegrityError as exc:
        # A race the service's own checks could not see (e.g. two inserts of one unique value).
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        raise Conflict("the write conflicts with a concurrent change; retry it",
                       details=[{"field": "body", "message": "conflicting write",
                                 "constraint": constraint}]) from exc


# scope="function": the commit runs before the response is sent, so a failed
# commit is an error response, never a 2xx for a write that did not happen.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


def _caller(
    request: Request,
    value: Annotated[str | None, Header(alias=CALLER_HEADER, include_in_schema=False)] = None,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER,
                                            include_in_schema=False)] = None,
) -> Caller:
    if value is None and signature is None:
        return ANONYMOUS
    caller = verify_caller(value, signature, request.app.state.settings.internal_secret)
    if caller is None:
        raise Unauthorized("the forwarded caller identity is not valid",
                           details=[{"field": f"header.{CALLER_HEADER}", "message": "invalid"}])
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]


def _actor(caller: CallerDep) -> str:
    return caller.subject or "anonymous"


ActorDep = Annotated[str, Depends(_actor)]

def _if_match(
    value: Annotated[str | None, Header(
        alias="If-Match", max_length=500,
        description="The ETag of the copy being changed; a stale one gives 412.")] = None,
) -> str | None:
    return value


IfMatchDep = Annotated[str | None, Depends(_if_match)]


def _idempotency(
    request: Request, settings: SettingsDep,
    key: Annotated[str | None, Header(
        alias="Idempotency-Key", min_length=1, max_length=200,
        description="Retrying a create with the same key returns the first answer.")] = None,
) -> IdempotencyRequest | None:
    if key is None:
        return None
    return IdempotencyRequest(key=key, scope=f"{request.method} {request.url.path}",
                              ttl_s=settings.idempotency_ttl_s)


IdempotencyDep = Annotated[IdempotencyRequest | None, Depends(_idempotency)]


def page_params(allowed: tuple[str, ...], default_sort: str) -> Callable[..., PageRequest]:
    """Pagination and sorting query parameters; an unknown sort field is a 422 naming it."""

    def _page(
        settings: SettingsDep,
        limit: Annotated[int | None, Query(ge=1, le=1000, description="page size")] = None,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        # A default-value Query: the closure's values cannot live in a string annotation.
        sort: str | None = Query(
            default=None, max_length=200,
            description=f"comma-separated of {', '.join(allowed)}; '-' for descending; "
                        f"default {default_sort}"),
    ) -> PageRequest:
        size = min(limit or settings.default_page_size, settings.max_page_size)
        return PageRequest(limit=size, offset=offset,
                           sort=parse_sort(sort, allowed, default_sort))

    return _page


def _nlp(request: Request) -> NlpClient:
    nlp: NlpClient = request.app.state.nlp
    return nlp


NlpDep = Annotated[NlpClient, Depends(_nlp)]
