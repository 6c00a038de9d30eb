"""PATCH semantics: only the fields sent change; `null` clears only what may be empty."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from shopmind_common.errors import Unprocessable

from shopmind_projects.core.errors import field_error


def patch_values(patch: BaseModel, *, not_null: tuple[str, ...]) -> dict[str, Any]:
    """The fields the client sent; 422 naming the field when a required one is null."""
    values = {name: getattr(patch, name) for name in patch.model_fields_set}
    for name in not_null:
        if name in values and values[name] is None:
            raise Unprocessable(f"{name} may not be null",
                                details=field_error(f"body.{name}", "may not be null"))
    return values


def apply(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the values on the row; returns the names of the fields that really changed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed
