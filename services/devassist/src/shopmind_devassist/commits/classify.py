"""From a parsed diff to a Conventional Commits message, by rules alone.

Each file gets a kind (docs, test, ci, build, deploy, code), a scope (the
suite component its path belongs to) and the symbols it adds, removes and
touches. The commit type follows from the kinds and the symbols: a change
that only touches one kind of non-code file takes that kind's type; code that
adds public symbols or routes is a `feat`; code that adds guards or error
handling is a `fix`; whitespace-only edits are `style`; the rest `refactor`.
Removing a public symbol or route of a shared package, or a proto field, marks
the change as breaking.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from shopmind_devassist.commits.diff import FileDiff

TYPES = ("feat", "fix", "perf", "refactor", "style", "test", "docs", "build", "ci", "chore",
         "revert")
HEADER_RE = re.compile(
    r"^(?P<type>" + "|".join(TYPES) + r")(?:\((?P<scope>[\w./-]+)\))?(?P<bang>!)?: (?P<desc>\S.*)$")
HEADER_MAX = 72

_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)\s*\(")
_CLASS = re.compile(r"^\s*class\s+(\w+)\s*[(:]")
_ROUTE = re.compile(r"""^\s*@\w+\.(get|post|put|patch|delete|api_route)\(\s*["']([^"']*)["']""")
_PROTO_FIELD = re.compile(r"^\s*(?:repeated\s+|optional\s+)?[\w.]+\s+(\w+)\s*=\s*\d+\s*;")
_PROTO_MESSAGE = re.compile(r"^\s*message\s+(\w+)")
_SECTION_NAME = re.compile(r"(?:def|class|message|function|func|fn)\s+(\w+)")
_FIX_SIGNALS = re.compile(
    r"\b(fix(es|ed)?|bug|regression|crash|handle[sd]?|guard|raise\s+\w+|except\b|is None|"
    r"is not None|if not\b|validate|clamp|off-by-one|retry)\b", re.IGNORECASE)
_PERF_SIGNALS = re.compile(
    r"\b(lru_cache|functools\.cache|@cache|batch(ed|es)?|vectori[sz]e|perf|faster|"
    r"precompute|memo(ize|ise)?)\b", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_TEST_PREFIX = re.compile(r"^test_")
_DOC_SUFFIXES = {".md", ".rst", ".txt", ".adoc"}
_BUILD_NAMES = {"pyproject.toml", "uv.lock", "setup.py", "setup.cfg", "Makefile", "Dockerfile",
                ".dockerignore", "package.json", "package-lock.json", "poetry.lock",
                "requirements.txt", "requirements-dev.txt", "go.mod", "go.sum", "Cargo.toml"}
# Packages other teams build on: removing their public names breaks someone.
_SHARED_SCOPES = {"common", "events", "gateway", "cli"}


@dataclass
class FileChange:
    path: str
    status: str
    kind: str
    scope: str | None
    added: int
    removed: int
    old_path: str | None = None
    binary: bool = False
    added_symbols: list[str] = field(default_factory=list)
    removed_symbols: list[str] = field(default_factory=list)
    changed_symbols: list[str] = field(default_factory=list)
    added_routes: list[str] = field(default_factory=list)
    removed_routes: list[str] = field(default_factory=list)
    removed_fields: list[str] = field(default_factory=list)
    whitespace_only: bool = False
    fix_signals: int = 0
    perf_signals: int = 0

    @property
    def churn(self) -> int:
        return self.added + self.removed

    def summary(self) -> str:
        """One line on what happened to this file (used in bodies and model prompts)."""
        if self.status == "renamed":
            head = f"renamed from {self.old_path}"
        elif self.status in ("added", "deleted", "copied"):
            head = self.status
        else:
            head = "modified"
        parts = [head]
        if self.binary:
            parts.append("binary")
        elif self.churn:
            parts.append(f"+{self.added} -{self.removed}")
        for label, names in (("adds", self.added_symbols + self.added_routes),
                             ("removes", self.removed_symbols + self.removed_routes
                              + self.removed_fields),
                             ("changes", self.changed_symbols)):
            if names:
                shown = ", ".join(f"`{n}`" for n in names[:4])
                more = f" and {len(names) - 4} more" if len(names) > 4 else ""
                parts.append(f"{label} {shown}{more}")
        if self.whitespace_only:
            parts.append("whitespace only")
        return "; ".join(parts)


@dataclass
class CommitPlan:
    type: str
    scope: str | None
    breaking: bool
    description: str
    body: list[str]
    footers: list[str]
    files: list[FileChange]

    @property
    def header(self) -> str:
        scope = f"({self.scope})" if self.scope else ""
        return f"{self.type}{scope}{'!' if self.breaking else ''}: {self.description}"

    def message(self) -> str:
        parts = [self.header]
        if self.body:
            parts.append("\n".join(self.body))
        if self.footers:
            parts.append("\n".join(self.footers))
        return "\n\n".join(parts) + "\n"


def scope_of(path: str) -> str | None:
    parts = PurePosixPath(path).parts
    if not parts:
        return None
    top = parts[0]
    if top == "services" and len(parts) > 2:
        return parts[1]
    if top == "libs" and len(parts) > 2:
        return parts[1]
    if top == "bench" and len(parts) > 2:
        return "bench"
    if top == "tests" and len(parts) > 2:
        return parts[1]
    if top == "proto":
        return "events"
    if top in (".github", ".ci"):
        return "ci"
    if top in ("gateway", "deploy", "docs"):
        return top
    return None


def kind_of(path: str) -> str:
    pure = PurePosixPath(path)
    name = pure.name
    parts = pure.parts
    if (parts and parts[0] in (".github", ".ci")) or name in (".gitlab-ci.yml", ".travis.yml"):
        return "ci"
    if "tests" in parts or "test" in parts or name.startswith("test_") \
            or name.endswith(("_test.py", ".spec.ts")) or name == "conftest.py":
        return "test"
    if pure.suffix in _DOC_SUFFIXES or (parts and parts[0] == "docs"):
        return "docs"
    if name in _BUILD_NAMES or name.startswith("requirements") or name.endswith(".dockerfile"):
        return "build"
    if parts and parts[0] == "deploy":
        return "deploy"
    return "code"


def _names(lines: list[str], pattern: re.Pattern[str]) -> list[str]:
    out = []
    for line in lines:
        m = pattern.match(line)
        if m:
            out.append(m.group(1))
    return out


def _dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def analyse_file(f: FileDiff) -> FileChange:
    added_lines, removed_lines = f.added_lines(), f.removed_lines()
    is_proto = f.path.endswith(".proto")
    added_defs = _names(added_lines, _DEF) + _names(added_lines, _CLASS)
    removed_defs = _names(removed_lines, _DEF) + _names(removed_lines, _CLASS)
    if is_proto:
        added_defs += _names(added_lines, _PROTO_MESSAGE)
        removed_defs += _names(removed_lines, _PROTO_MESSAGE)
    added_routes = [f"{m.upper()} {p}" for m, p in
                    (x.groups() for x in (_ROUTE.match(ln) for ln in added_lines) if x)]
    removed_routes = [f"{m.upper()} {p}" for m, p in
                      (x.groups() for x in (_ROUTE.match(ln) for ln in removed_lines) if x)]
    new_syms = [n for n in added_defs if n not in removed_defs]
    gone_syms = [n for n in removed_defs if n not in added_defs]
    changed = []
    for hunk in f.hunks:
        m = _SECTION_NAME.search(hunk.section)
        if m:
            changed.append(m.group(1))
        changed += [n for n in _names(hunk.context, _DEF) if hunk.added or hunk.removed][:1]
    changed += [n for n in added_defs if n in removed_defs]
    removed_fields: list[str] = []
    if is_proto:
        added_fields = set(_names(added_lines, _PROTO_FIELD))
        removed_fields = [n for n in _names(removed_lines, _PROTO_FIELD) if n not in added_fields]
    squash = [_WHITESPACE.sub("", ln) for ln in added_lines]
    squash_old = [_WHITESPACE.sub("", ln) for ln in removed_lines]
    whitespace_only = bool(added_lines or removed_lines) and \
        Counter(x for x in squash if x) == Counter(x for x in squash_old if x)
    return FileChange(
        path=f.path, status=f.status, kind=kind_of(f.path), scope=scope_of(f.path),
        added=f.added, removed=f.removed, old_path=f.old_path if f.status == "renamed" else None,
        binary=f.binary,
        added_symbols=_dedupe(new_syms), removed_symbols=_dedupe(gone_syms),
        changed_symbols=[n for n in _dedupe(changed) if n not in set(new_syms)][:8],
        added_routes=_dedupe(added_routes),
        removed_routes=[r for r in _dedupe(removed_routes) if r not in set(added_routes)],
        removed_fields=removed_fields, whitespace_only=whitespace_only,
        fix_signals=sum(1 for ln in added_lines if _FIX_SIGNALS.search(ln)),
        perf_signals=sum(1 for ln in added_lines if _PERF_SIGNALS.search(ln)),
    )


def _public(names: list[str]) -> list[str]:
    return [n for n in names if not n.startswith("_")]


def _module(path: str) -> str:
    pure = PurePosixPath(path)
    return pure.stem if pure.stem not in ("__init__", "main", "service", "routes") else (
        f"{pure.parent.name}/{pure.stem}" if pure.parent.name else pure.stem)


def _join(items: list[str], limit: int = 2) -> str:
    items = _dedupe(items)
    if len(items) <= limit:
        return " and ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def _choose_scope(changes: list[FileChange]) -> str | None:
    weights: Counter[str | None] = Counter()
    for c in changes:
        weights[c.scope] += max(c.churn, 1)
    total = sum(weights.values())
    scope, weight = weights.most_common(1)[0]
    return scope if scope is not None and weight / total >= 0.6 else None


def _choose_type(changes: list[FileChange]) -> str:
    kinds = {c.kind for c in changes}
    code = [c for c in changes if c.kind == "code"]
    if not code:
        if len(kinds) == 1:
            kind = kinds.pop()
            return {"docs": "docs", "test": "test", "ci": "ci", "build": "build"}.get(kind, "chore")
        if kinds <= {"test", "docs"}:
            return "test"
        return "build" if "build" in kinds else "chore"
    if all(c.whitespace_only for c in code):
        return "style"
    if any(_public(c.added_symbols) or c.added_routes for c in code) or \
            any(c.status in ("added", "copied") for c in code):
        return "feat"
    fix = sum(c.fix_signals for c in code)
    perf = sum(c.perf_signals for c in code)
    if perf and perf >= fix:
        return "perf"
    if fix:
        return "fix"
    return "refactor"


def _describe(type_: str, changes: list[FileChange]) -> str:
    code = [c for c in changes if c.kind == "code"] or changes
    if type_ == "feat":
        routes = [r for c in code for r in c.added_routes]
        if routes:
            return f"add {_join(routes, 1)} endpoint" + ("s" if len(routes) > 1 else "")
        symbols = [s for c in code for s in _public(c.added_symbols)]
        if symbols:
            return f"add {_join(symbols)}"
        return f"add {_join([_module(c.path) for c in code if c.status == 'added'])}"
    if type_ in ("fix", "perf", "refactor"):
        verb = {"fix": "fix", "perf": "speed up", "refactor": "refactor"}[type_]
        renamed = [c for c in code if c.status == "renamed"]
        if type_ == "refactor" and renamed and len(renamed) == len(code):
            return f"rename {_join([_module(c.old_path or '') for c in renamed])} to " \
                   f"{_join([_module(c.path) for c in renamed])}"
        symbols = [s for c in code for s in c.changed_symbols]
        if type_ == "refactor" and any(c.removed_symbols for c in code):
            return f"remove {_join([s for c in code for s in c.removed_symbols])}"
        return f"{verb} {_join(symbols or [_module(c.path) for c in code])}"
    if type_ == "style":
        return f"format {_join([_module(c.path) for c in code])}"
    if type_ == "test":
        targets = [_TEST_PREFIX.sub("", _module(c.path)) for c in changes]
        verb = "add" if all(c.status == "added" for c in changes) else "update"
        return f"{verb} tests for {_join(targets)}"
    if type_ == "docs":
        verb = "add" if all(c.status == "added" for c in changes) else "update"
        return f"{verb} {_join([PurePosixPath(c.path).name for c in changes])}"
    if type_ == "build":
        if any(PurePosixPath(c.path).name in ("uv.lock", "pyproject.toml", "poetry.lock")
               or PurePosixPath(c.path).name.startswith("requirements") for c in changes):
            return "update dependencies"
        return f"update {_join([PurePosixPath(c.path).name for c in changes])}"
    if type_ == "ci":
        return f"update {_join([PurePosixPath(c.path).name for c in changes])}"
    return f"update {_join([PurePosixPath(c.path).name for c in changes])}"


def _fit(header_prefix: str, description: str) -> str:
    room = HEADER_MAX - len(header_prefix)
    if len(description) <= room:
        return description
    cut = description[: room - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _breaking(changes: list[FileChange]) -> list[str]:
    notes = []
    for c in changes:
        if c.kind != "code":
            continue
        shared = c.scope in _SHARED_SCOPES or c.path.endswith(".proto")
        removed_api = _public(c.removed_symbols) if shared else []
        if c.status == "deleted" and shared:
            notes.append(f"{c.path} is removed")
        if removed_api:
            notes.append(f"{_join(removed_api, 4)} removed from {c.path}")
        if c.removed_routes:
            notes.append(f"{_join(c.removed_routes, 4)} removed")
        if c.removed_fields:
            notes.append(f"field {_join(c.removed_fields, 4)} removed from {c.path}")
    return notes


def body_lines(changes: list[FileChange], max_files: int) -> list[str]:
    ordered = sorted(changes, key=lambda c: (-c.churn, c.path))
    out: list[str] = []
    for c in ordered[:max_files]:
        out += textwrap.wrap(f"- {c.path}: {c.summary()}", width=HEADER_MAX,
                             subsequent_indent="  ", break_on_hyphens=False,
                             break_long_words=False)
    if len(ordered) > max_files:
        rest = ordered[max_files:]
        out.append(f"- and {len(rest)} more files (+{sum(c.added for c in rest)} "
                   f"-{sum(c.removed for c in rest)})")
    return out


def plan_commit(files: list[FileDiff], max_body_files: int = 12) -> CommitPlan:
    changes = [analyse_file(f) for f in files]
    type_ = _choose_type(changes)
    scope = _choose_scope(changes)
    breaking_notes = _breaking(changes)
    prefix = f"{type_}{f'({scope})' if scope else ''}{'!' if breaking_notes else ''}: "
    description = _fit(prefix, _describe(type_, changes))
    footers = [textwrap.fill(f"BREAKING CHANGE: {'; '.join(breaking_notes)}", width=HEADER_MAX,
                             subsequent_indent="  ", break_long_words=False)] \
        if breaking_notes else []
    return CommitPlan(type=type_, scope=scope, breaking=bool(breaking_notes),
                      description=description, body=body_lines(changes, max_body_files),
                      footers=footers, files=changes)
