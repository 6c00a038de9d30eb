"""Turning service results into responses with their ETag and Location."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import JSONResponse

from shopmind_projects.core.etag import etag_of
from shopmind_projects.core.idempotency import Created


def created_response(created: Created) -> JSONResponse:
    headers = dict(created.headers)
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(created.body, status_code=created.status_code, headers=headers)


def created_headers(version: int, location: str) -> dict[str, str]:
    return {"ETag": etag_of(version), "Location": location}


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_of(version)
