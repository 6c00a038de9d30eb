"""Python literals laid out for generated code: nested one item per line, long strings
split, every line within the suite's line length (as long as keys stay short)."""

from __future__ import annotations

from typing import Any

LINE_LENGTH = 96  # a little under ruff's 100, for the closing brackets and commas


def _split_string(value: str, indent: int) -> str:
    room = max(LINE_LENGTH - indent - 4, 20)
    chunks: list[str] = []
    current: list[str] = []
    width = 2  # the quotes
    for ch in value:
        cost = len(repr(ch)) - 2
        if width + cost > room:
            chunks.append(repr("".join(current)))
            current, width = [], 2
        current.append(ch)
        width += cost
        if ch == "\n" and width > room // 2:
            chunks.append(repr("".join(current)))
            current, width = [], 2
    if current:
        chunks.append(repr("".join(current)))
    inner = " " * (indent + 4)
    return "(\n" + "".join(f"{inner}{c}\n" for c in chunks) + " " * indent + ")"


def py_literal(value: Any, indent: int = 0, column: int | None = None) -> str:
    """`value` as Python source starting at `column` on a line indented by `indent`."""
    column = indent if column is None else column
    if not 0 <= indent <= LINE_LENGTH or not 0 <= column <= LINE_LENGTH:
        raise ValueError(f"indent and column must lie within 0..{LINE_LENGTH}")
    compact = repr(value)
    if column + len(compact) <= LINE_LENGTH or not isinstance(value, str | dict | list | tuple):
        return compact
    if isinstance(value, str):
        return _split_string(value, indent)
    inner = indent + 4
    pad = " " * inner
    if isinstance(value, dict):
        rows = []
        for key, item in value.items():
            head = f"{pad}{key!r}: "
            rows.append(head + py_literal(item, inner, len(head)) + ",")
        return "{\n" + "\n".join(rows) + "\n" + " " * indent + "}"
    opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
    rows = [pad + py_literal(item, inner) + "," for item in value]
    return opening + "\n" + "\n".join(rows) + "\n" + " " * indent + closing
