"""Offset pages with totals, and `sort=-priority,due_date` parsing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel
from shopmind_common.errors import Unprocessable

from shopmind_projects.core.errors import field_error

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int
    sort: tuple[tuple[str, bool], ...]  # (field, descending)


def parse_sort(raw: str | None, allowed: Sequence[str],
               default: str) -> tuple[tuple[str, bool], ...]:
    """`-priority,due_date` -> (("priority", True), ("due_date", False)); 422 names bad fields."""
    text = raw if raw is not None and raw.strip() else default
    out: list[tuple[str, bool]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        desc = part.startswith("-")
        name = part.lstrip("+-")
        if name not in allowed:
            raise Unprocessable(
                f"cannot sort by {name!r}; sortable fields: {', '.join(allowed)}",
                details=field_error("query.sort", f"unknown sort field {name!r}",
                                    allowed=list(allowed)))
        if any(name == seen for seen, _ in out):
            continue
        out.append((name, desc))
    return tuple(out)


def make_page(items: list[T], total: int, req: PageRequest) -> Page[T]:
    next_offset = req.offset + len(items)
    return Page[T](items=items, total=total, limit=req.limit, offset=req.offset,
                   next_offset=next_offset if next_offset < total else None)
