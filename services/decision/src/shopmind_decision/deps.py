"""Dependencies of the decision routes, declared once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.predictions.loaded import ModelCache
from shopmind_decision.registry.repository import RegistryStore
from shopmind_decision.state import DecisionState


def _state(request: Request) -> DecisionState:
    state: DecisionState = request.app.state.decision
    return state


# Plain `def` dependencies run in a worker thread: these are `async def` to stay on the loop.
async def get_state(request: Request) -> DecisionState:
    return _state(request)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session that commits when the endpoint succeeds and rolls back when it fails."""
    async with _state(request).db.session() as session:
        yield session


async def get_store(request: Request) -> RegistryStore:
    return _state(request).store


async def get_models(request: Request) -> ModelCache:
    return _state(request).models


StateDep = Annotated[DecisionState, Depends(get_state)]
# scope="function": the commit runs before the response is sent, so a failed
# commit is an error response, never a 2xx for a write that did not happen.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
StoreDep = Annotated[RegistryStore, Depends(get_store)]
ModelsDep = Annotated[ModelCache, Depends(get_models)]
