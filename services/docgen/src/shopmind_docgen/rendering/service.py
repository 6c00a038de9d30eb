"""Templates for the structured sections, filled with facts and prose."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from shopmind_docgen.rendering.facts import Facts, released_members
from shopmind_docgen.rendering.i18n import labels

DOC_TYPES = ("plan", "prd", "design", "status", "release_notes")

# The prose sections each type asks the writer for, in document order.
PROSE_SECTIONS: dict[str, tuple[str, ...]] = {
    "plan": ("summary", "goals", "background"),
    "prd": ("summary", "background", "goals"),
    "design": ("overview", "approach"),
    "status": ("summary",),
    "release_notes": ("highlights",),
}

_WS = re.compile(r"\s+")


def _inline(value: Any) -> str:
    """One line of text that cannot open a heading, list or table of its own."""
    return _WS.sub(" ", str(value if value is not None else "")).strip()


def _cell(value: Any) -> str:
    return _inline(value).replace("|", "\\|")


def _date(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


class Renderer:
    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("shopmind_docgen.rendering", "templates"),
            autoescape=False,  # Markdown out; HTML export escapes on conversion
            undefined=StrictUndefined,
            trim_blocks=False,
            keep_trailing_newline=True,
        )
        self.env.filters.update(inline=_inline, cell=_cell, d=_date, hours=_hours)

    def render(self, facts: Facts, prose: dict[str, str]) -> str:
        template = self.env.get_template(f"{facts.doc_type}.md.j2")
        text = template.render(f=facts, L=labels(facts.language), prose=prose,
                               contributors=released_members(facts))
        return _tidy(text)


def _tidy(text: str) -> str:
    """At most one blank line in a row, one newline at the end."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    while out and not out[0]:
        out.pop(0)
    return "\n".join(out).rstrip() + "\n"


renderer = Renderer()
