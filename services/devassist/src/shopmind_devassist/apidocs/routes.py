"""API reference endpoints."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response
from shopmind_common.errors import BadRequest

from shopmind_devassist.apidocs.schemas import ApiDocsRequest, ApiReference
from shopmind_devassist.apidocs.service import api_docs
from shopmind_devassist.deps import OwnSpecDep, SettingsDep
from shopmind_devassist.files import OutputFormat, zip_response
from shopmind_devassist.responses import error_responses

router = APIRouter(prefix="/v1/devassist/apidocs", tags=["apidocs"])


class SuiteFormat(StrEnum):
    json = "json"
    zip = "zip"
    markdown = "markdown"


@router.post("", response_model=ApiReference,
             responses={200: {"content": {"application/zip": {}}},
                        **error_responses(404, 413, 422, 503)})
async def reference_from_spec(body: ApiDocsRequest, settings: SettingsDep, own_spec: OwnSpecDep,
                              format: OutputFormat = OutputFormat.json
                              ) -> ApiReference | Response:
    """Markdown API reference per service from a posted OpenAPI document (or the suite's)."""
    ref = await api_docs.reference(body, settings, own_spec)
    if format is OutputFormat.zip:
        return zip_response(ref.files, "api-reference.zip")
    return ref


@router.get("/suite", response_model=ApiReference,
            responses={200: {"content": {"application/zip": {}, "text/markdown": {}}},
                       **error_responses(400, 404, 422, 503)})
async def suite_reference(settings: SettingsDep, own_spec: OwnSpecDep,
                          service: list[str] | None = Query(default=None),
                          format: SuiteFormat = SuiteFormat.json) -> ApiReference | Response:
    """Markdown API reference of the suite's own services, from their live OpenAPI."""
    ref = await api_docs.reference(ApiDocsRequest(services=service), settings, own_spec)
    if format is SuiteFormat.zip:
        return zip_response(ref.files, "shopmind-api-reference.zip")
    if format is SuiteFormat.markdown:
        if len(ref.services) != 1:
            raise BadRequest("format=markdown needs exactly one service",
                             details=[{"field": "query.service",
                                       "message": "give one service for markdown"}])
        page = next(f for f in ref.files if f.path == ref.services[0].path)
        return PlainTextResponse(page.content, media_type="text/markdown")
    return ref
