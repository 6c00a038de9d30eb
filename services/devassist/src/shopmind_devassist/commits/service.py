"""Commit messages: parse the diff, plan by rules, let a model draft when one is loaded.

A model sees the raw diff only when it fits its context next to the prompt and
the answer; otherwise it sees one summary line per file (status, line counts,
symbols added, removed and touched), cut to fit. Its first line must be a valid
Conventional Commits header, or the rules' message is used and the reason noted.
"""

from __future__ import annotations

import asyncio
import re

from shopmind_common.errors import PayloadTooLarge, Unprocessable

from shopmind_devassist.commits.classify import HEADER_RE, TYPES, CommitPlan, plan_commit
from shopmind_devassist.commits.diff import DiffParseError, parse_unified_diff
from shopmind_devassist.commits.schemas import CommitMessage, CommitRequest, FileSummary
from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.generation import TextModel

_INSTRUCTIONS = (
    "Write a git commit message in the Conventional Commits format for the change below.\n"
    "First line: <type>(<scope>): <summary>, at most 72 characters, imperative mood, "
    f"type one of {', '.join(TYPES)}. Then a blank line and a short body of '- ' bullets.\n"
    "A rule-based draft you may improve:\n{draft}\n\nThe change:\n"
)


def build_prompt(plan: CommitPlan, diff: str, model: TextModel, max_new_tokens: int
                 ) -> tuple[str, str]:
    """The prompt and what it shows ('diff' or 'per-file summaries'), within the context."""
    head = _INSTRUCTIONS.format(draft=plan.header)
    budget = model.context_tokens - max_new_tokens - model.count_tokens(head) - 8
    if model.count_tokens(diff) <= budget:
        return head + diff + "\n\nCommit message:\n", "diff"
    lines: list[str] = []
    used = 0
    ordered = sorted(plan.files, key=lambda c: (-c.churn, c.path))
    for i, change in enumerate(ordered):
        line = f"- {change.path}: {change.summary()}"
        cost = model.count_tokens(line + "\n")
        if used + cost > budget - 16:
            rest = ordered[i:]
            lines.append(f"- and {len(rest)} more files (+{sum(c.added for c in rest)} "
                         f"-{sum(c.removed for c in rest)})")
            break
        lines.append(line)
        used += cost
    return head + "\n".join(lines) + "\n\nCommit message:\n", "per-file summaries"


def clean_model_message(text: str) -> str | None:
    """The model's message if its first line is a valid header; None otherwise."""
    body = text.strip().strip("`").strip()
    lines = [ln.rstrip() for ln in body.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    header = lines[0].strip()
    if not HEADER_RE.match(header) or len(header) > 100:
        return None
    rest = "\n".join(lines[1:]).strip()
    rest = re.split(r"\n(?:Commit message:|The change:)", rest)[0].strip()
    return header + ("\n\n" + rest if rest else "") + "\n"


class CommitService:
    def plan(self, request: CommitRequest, settings: DevassistSettings) -> CommitPlan:
        if len(request.diff.encode()) > settings.max_diff_bytes:
            raise PayloadTooLarge(
                f"diff is larger than DEVASSIST_MAX_DIFF_BYTES ({settings.max_diff_bytes})",
                details=[{"field": "body.diff", "limit": settings.max_diff_bytes}])
        try:
            files = parse_unified_diff(request.diff)
        except DiffParseError as exc:
            raise Unprocessable(f"diff is not a unified diff: {exc}",
                                details=[{"field": "body.diff", "message": exc.reason,
                                          "line": exc.line}]) from exc
        return plan_commit(files, request.max_body_files)

    async def message(self, request: CommitRequest, settings: DevassistSettings,
                      model: TextModel | None) -> CommitMessage:
        plan = await asyncio.to_thread(self.plan, request, settings)
        files = [FileSummary(path=c.path, status=c.status, kind=c.kind, scope=c.scope,
                             added=c.added, removed=c.removed, summary=c.summary())
                 for c in plan.files]
        result = CommitMessage(
            message=plan.message(), header=plan.header, type=plan.type, scope=plan.scope,
            breaking=plan.breaking, body="\n".join(plan.body), files=files, source="rules")
        if model is None or not request.use_model:
            return result
        prompt, mode = build_prompt(plan, request.diff, model, settings.model_max_new_tokens)
        result.prompt_mode = mode  # type: ignore[assignment]
        result.model = model.name
        try:
            answer = await asyncio.to_thread(model.generate, prompt,
                                             settings.model_max_new_tokens)
        except Exception as exc:  # the rules' message stands in for a failed model
            result.notes.append(f"model failed ({type(exc).__name__}: {exc}); rules used")
            return result
        drafted = clean_model_message(answer)
        if drafted is None:
            result.notes.append("model answer is not a Conventional Commits message; rules used")
            return result
        match = HEADER_RE.match(drafted.splitlines()[0])
        assert match is not None
        body = drafted.split("\n\n", 1)[1].strip() if "\n\n" in drafted else ""
        if plan.breaking and "BREAKING CHANGE" not in drafted:
            drafted = drafted.rstrip("\n") + "\n\n" + "\n".join(plan.footers) + "\n"
        result.message = drafted
        result.header = drafted.splitlines()[0]
        result.type = match["type"]
        result.scope = match["scope"]
        result.breaking = bool(match["bang"]) or plan.breaking
        result.body = body
        result.source = "model"
        return result


commit_messages = CommitService()
