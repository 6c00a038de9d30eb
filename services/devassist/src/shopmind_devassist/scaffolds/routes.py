"""Scaffold endpoints."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response

from shopmind_devassist.files import OutputFormat, zip_response
from shopmind_devassist.responses import error_responses
from shopmind_devassist.scaffolds.schemas import (
    ConsumerScaffold,
    RecommenderScaffold,
    Scaffold,
    ScaffoldKind,
    ServiceScaffold,
)
from shopmind_devassist.scaffolds.service import scaffolds

router = APIRouter(prefix="/v1/devassist/scaffolds", tags=["scaffolds"])
_ZIP = {200: {"content": {"application/zip": {}}}, **error_responses(422)}


def _out(result: Scaffold, format: OutputFormat, name: str) -> Scaffold | Response:
    return zip_response(result.files, f"{name}.zip") if format is OutputFormat.zip else result


@router.get("", response_model=list[ScaffoldKind])
async def list_scaffolds() -> list[ScaffoldKind]:
    """The scaffolds on offer and their parameters (JSON schema)."""
    return scaffolds.kinds()


@router.post("/service", response_model=Scaffold, responses=_ZIP)
async def service_scaffold(body: ServiceScaffold,
                           format: OutputFormat = OutputFormat.json) -> Scaffold | Response:
    """A new ShopMind service in the suite's layout, with tests."""
    result = await asyncio.to_thread(scaffolds.service, body)
    return _out(result, format, f"service-{body.name}")


@router.post("/consumer", response_model=Scaffold, responses=_ZIP)
async def consumer_scaffold(body: ConsumerScaffold,
                            format: OutputFormat = OutputFormat.json) -> Scaffold | Response:
    """A Kafka consumer stage on the shared consumer runner, with tests."""
    result = await asyncio.to_thread(scaffolds.consumer, body)
    return _out(result, format, f"consumer-{body.stage}")


@router.post("/recommender", response_model=Scaffold, responses=_ZIP)
async def recommender_scaffold(body: RecommenderScaffold,
                               format: OutputFormat = OutputFormat.json) -> Scaffold | Response:
    """An item-based collaborative-filtering recommender, with tests."""
    result = await asyncio.to_thread(scaffolds.recommender, body)
    return _out(result, format, f"recommender-{body.module}")
