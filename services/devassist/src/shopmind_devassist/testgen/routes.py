"""Test generation endpoints."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response

from shopmind_devassist.deps import OwnSpecDep, SettingsDep
from shopmind_devassist.files import OutputFormat, zip_response
from shopmind_devassist.responses import error_responses
from shopmind_devassist.testgen.schemas import ApiTestsRequest, GeneratedTests, SourceTestsRequest
from shopmind_devassist.testgen.service import testgen

router = APIRouter(prefix="/v1/devassist/testgen", tags=["testgen"])


@router.post("/openapi", response_model=GeneratedTests,
             responses={200: {"content": {"application/zip": {}}},
                        **error_responses(404, 413, 422, 503)})
async def api_tests(body: ApiTestsRequest, settings: SettingsDep, own_spec: OwnSpecDep,
                    format: OutputFormat = OutputFormat.json) -> GeneratedTests | Response:
    """A pytest file of valid and invalid API requests per operation of an OpenAPI document."""
    result = await testgen.api_tests(body, settings, own_spec)
    if format is OutputFormat.zip:
        return zip_response(result.files, "api-tests.zip")
    return result


@router.post("/python", response_model=GeneratedTests,
             responses={200: {"content": {"application/zip": {}}}, **error_responses(413, 422)})
async def source_tests(body: SourceTestsRequest, settings: SettingsDep,
                       format: OutputFormat = OutputFormat.json) -> GeneratedTests | Response:
    """pytest skeletons with edge-case inputs for the public functions of a module."""
    result = await asyncio.to_thread(testgen.source_tests, body, settings)
    if format is OutputFormat.zip:
        return zip_response(result.files, "source-tests.zip")
    return result
