"""Dependencies of the routes, declared once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_docgen.engine import DocgenEngine


def _engine(request: Request) -> DocgenEngine:
    engine: DocgenEngine = request.app.state.engine
    return engine


EngineDep = Annotated[DocgenEngine, Depends(_engine)]


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response leaves."""
    engine: DocgenEngine = request.app.state.engine
    async with engine.db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]

LimitDep = Annotated[int, Query(ge=1, le=500, description="page size")]
OffsetDep = Annotated[int, Query(ge=0, le=10_000_000)]
