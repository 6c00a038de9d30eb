"""The error answers each endpoint documents in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None
    request_id: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


_WHY = {
    400: "The request is malformed",
    404: "Nothing matches the request",
    413: "An input is larger than its configured limit",
    422: "An input is invalid; `details` names each field and the reason",
    503: "A service the answer depends on is unreachable",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": _WHY[status]} for status in statuses}
