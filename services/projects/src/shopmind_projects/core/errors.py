"""Errors the shared library has no class for."""

from __future__ import annotations

from shopmind_common.errors import ServiceError


class PreconditionRequired(ServiceError):
    status_code = 428
    code = "precondition_required"


def field_error(field: str, message: str, **extra: object) -> list[dict[str, object]]:
    """The `details` list of a 4xx, in the shape request validation uses."""
    return [{"field": field, "message": message, **extra}]


def not_found(kind: str, entity_id: str, field: str) -> Exception:
    from shopmind_common.errors import NotFound

    return NotFound(f"{kind} {entity_id} not found", details=field_error(field, "not found"))
