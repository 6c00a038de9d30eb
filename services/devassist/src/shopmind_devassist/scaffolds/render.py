"""Rendering templates into files: Jinja2 on code, with import blocks kept sorted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from shopmind_devassist.files import GeneratedFile

TEMPLATES = Path(__file__).parent / "templates"
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def sort_import_block(text: str) -> str:
    """Sort `import`/`from` statements the way ruff's isort does within one section."""
    lines = text.strip("\n").splitlines()
    statements: list[tuple[tuple[bool, str], str]] = []
    i = 0
    while i < len(lines):
        chunk = [lines[i]]
        if lines[i].rstrip().endswith("("):
            while not lines[i].strip().startswith(")"):
                i += 1
                chunk.append(lines[i])
        i += 1
        words = chunk[0].split()
        statements.append(((words[0] == "from", words[1].lower()), "\n".join(chunk)))
    return "\n".join(text for _, text in sorted(statements))


def _pyrepr(value: Any) -> str:
    return repr(value)


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)
_ENV.filters["isort"] = sort_import_block
_ENV.filters["pyrepr"] = _pyrepr


def render_kind(kind: str, context: dict[str, Any], names: dict[str, str]) -> list[GeneratedFile]:
    """Every template of `kind`, its path placeholders (`__service__`...) replaced."""
    root = TEMPLATES / kind
    files = []
    for template in sorted(root.rglob("*.j2")):
        relative = template.relative_to(root).as_posix()
        path = relative.removesuffix(".j2")
        for placeholder, value in names.items():
            path = path.replace(f"__{placeholder}__", value)
        content = _ENV.get_template(f"{kind}/{relative}").render(**context)
        files.append(GeneratedFile(path=path, content=_TRAILING_SPACE.sub("\n", content)))
    return files
