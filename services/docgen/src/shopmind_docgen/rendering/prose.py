"""Prose sections: written by the shared model layer, or deterministically from facts.

The model writes plain paragraphs from the facts it is shown; whatever it
writes is proofread with the rest of the document. Without a model (or in a
language it does not write well, or when it fails) the template writer
produces the section from the same facts, so a document is always possible.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from shopmind_common.models import ChatMessage, TextGenerator

from shopmind_docgen.rendering.facts import Facts

log = logging.getLogger("shopmind.docgen.prose")

OnPiece = Callable[[str, str], None]  # (section, text piece)


class ProseCancelled(Exception):
    """The job was cancelled while a section was being written."""


@dataclass
class ProseResult:
    section: str
    text: str
    source: str  # "model" | "template"
    model: str | None = None
    completion_chars: int = 0
    first_piece_s: float | None = None
    seconds: float = 0.0
    error: str | None = None


_SECTION_ASK = {
    "en": {
        "summary": "a short executive summary of this {kind}",
        "goals": "the goals the project must reach",
        "background": "the background: the problem and why the project exists",
        "overview": "an overview of the system to be built",
        "approach": "the technical approach, in general terms",
        "highlights": "the highlights of this release",
    },
    "zh": {
        "summary": "这份{kind}的简短概述",
        "goals": "项目需要达成的目标",
        "background": "项目背景：要解决的问题以及项目存在的原因",
        "overview": "待建设系统的总体概述",
        "approach": "总体技术方案",
        "highlights": "本次发布的要点",
    },
}
_KIND_NAME = {
    "en": {"plan": "project plan", "prd": "requirements document", "design": "design document",
           "status": "weekly status report", "release_notes": "release notes"},
    "zh": {"plan": "项目计划", "prd": "需求文档", "design": "设计文档", "status": "项目周报",
           "release_notes": "发布说明"},
}
_REQ_SPLIT = re.compile(r"[。；;！!？?\n]+|(?<=[a-z0-9])\.\s+")


def _sentences(text: str, limit: int) -> list[str]:
    parts = [p.strip(" ，,、.") for p in _REQ_SPLIT.split(text)]
    return [p for p in parts if len(p) >= 2][:limit]


class TemplateProse:
    """Deterministic prose from facts, in English or Chinese."""

    def write(self, section: str, f: Facts) -> str:
        fn = getattr(self, f"_{section}_{f.language}")
        return str(fn(f)).strip()

    # -- English --------------------------------------------------------------------------
    def _summary_en(self, f: Facts) -> str:
        p = f.project
        named = [mv for mv in f.milestones if mv.milestone]
        if f.doc_type == "status":
            return (f"From {f.period_start} to {f.period_end}, {len(f.completed)} tasks were "
                    f"completed, {len(f.in_progress)} are in progress and {len(f.blocked)} are "
                    f"blocked; {len(f.overdue)} open tasks are past their due date. Overall "
                    f"{f.done_count} of {f.task_count} tasks are done and {f.percent_done}% of "
                    f"the estimated work is complete.")
        text = (f"{p.name} is a project in status {p.status}. It covers {len(named)} milestones "
                f"and {f.task_count} tasks for a team of {len(f.members)}; {f.done_count} tasks "
                f"are done and {f.percent_done}% of the estimated work is complete.")
        if p.target_date:
            text += f" The target date is {p.target_date}."
        return text

    def _goals_en(self, f: Facts) -> str:
        source = f.requirement or f.project.description
        lines = [f"- {s}." for s in _sentences(source, 5)]
        for mv in f.milestones:
            if mv.milestone:
                due = f" by {mv.milestone.due_date}" if mv.milestone.due_date else ""
                lines.append(f"- Reach milestone “{mv.milestone.name}”{due}.")
        return "\n".join(lines) or "No goals were recorded for this project."

    def _background_en(self, f: Facts) -> str:
        text = f.project.description.strip() or f.requirement.strip()
        return text or "No background was recorded for this project."

    def _overview_en(self, f: Facts) -> str:
        names = [n for n in f.components if n]
        desc = f.project.description.strip() or f.requirement.strip()
        text = f"{f.project.name}: {desc}" if desc else f"{f.project.name}."
        if names:
            text += (f" The work is split into {len(names)} components ({', '.join(names)}) "
                     f"across {f.task_count} tasks.")
        return text

    def _approach_en(self, f: Facts) -> str:
        named = [f"“{mv.milestone.name}”" for mv in f.milestones if mv.milestone]
        parts = []
        if named:
            parts.append("Work proceeds milestone by milestone: " + ", then ".join(named) + ".")
        deps = len(f.snapshot.dependencies)
        if deps:
            parts.append(f"{deps} finish-to-start dependencies order the tasks.")
        if f.critical_path:
            parts.append("The critical path runs through "
                         + " → ".join(f"#{t.number}" for t in f.critical_path) + ".")
        return " ".join(parts) or "No approach was recorded for this project."

    def _highlights_en(self, f: Facts) -> str:
        groups = f.release_tasks
        n = sum(len(v) for v in groups.values())
        if not n:
            return "No changes were shipped in this scope."
        text = (f"This release ships {n} changes: {len(groups.get('features', []))} features, "
                f"{len(groups.get('fixes', []))} fixes and {len(groups.get('other', []))} "
                f"other changes.")
        top = (groups.get("features") or groups.get("other") or groups.get("fixes") or [])[:3]
        if top:
            text += " Notable: " + "; ".join(f"#{t.number} {t.title}" for t in top) + "."
        return text

    # -- Chinese --------------------------------------------------------------------------
    def _summary_zh(self, f: Facts) -> str:
        p = f.project
        named = [mv for mv in f.milestones if mv.milestone]
        if f.doc_type == "status":
            return (f"{f.period_start} 至 {f.period_end} 期间完成任务 {len(f.completed)} 个，"
                    f"进行中 {len(f.in_progress)} 个，受阻 {len(f.blocked)} 个；"
                    f"已逾期的未完成任务 {len(f.overdue)} 个。整体已完成 {f.done_count}/"
                    f"{f.task_count} 个任务，按估时计完成 {f.percent_done}%。")
        text = (f"{p.name}当前状态为 {p.status}，包含 {len(named)} 个里程碑、"
                f"{f.task_count} 个任务，团队 {len(f.members)} 人；"
                f"已完成 {f.done_count} 个任务，按估时计完成 {f.percent_done}%。")
        if p.target_date:
            text += f"目标日期为 {p.target_date}。"
        return text

    def _goals_zh(self, f: Facts) -> str:
        source = f.requirement or f.project.description
        lines = [f"- {s}。" for s in _sentences(source, 5)]
        for mv in f.milestones:
            if mv.milestone:
                due = f"（{mv.milestone.due_date} 前）" if mv.milestone.due_date else ""
                lines.append(f"- 达成里程碑“{mv.milestone.name}”{due}。")
        return "\n".join(lines) or "本项目尚未记录目标。"

    def _background_zh(self, f: Facts) -> str:
        text = f.project.description.strip() or f.requirement.strip()
        return text or "本项目尚未记录背景。"

    def _overview_zh(self, f: Facts) -> str:
        names = [n for n in f.components if n]
        desc = f.project.description.strip() or f.requirement.strip()
        text = f"{f.project.name}：{desc}" if desc else f"{f.project.name}。"
        if names:
            text += (f"工作分为 {len(names)} 个模块（{'、'.join(names)}），"
                     f"共 {f.task_count} 个任务。")
        return text

    def _approach_zh(self, f: Facts) -> str:
        named = [f"“{mv.milestone.name}”" for mv in f.milestones if mv.milestone]
        parts = []
        if named:
            parts.append("按里程碑依次推进：" + "，然后 ".join(named) + "。")
        deps = len(f.snapshot.dependencies)
        if deps:
            parts.append(f"{deps} 条完成-开始依赖决定任务顺序。")
        if f.critical_path:
            parts.append("关键路径为 " + " → ".join(f"#{t.number}" for t in f.critical_path) + "。")
        return "".join(parts) or "本项目尚未记录技术方案。"

    def _highlights_zh(self, f: Facts) -> str:
        groups = f.release_tasks
        n = sum(len(v) for v in groups.values())
        if not n:
            return "此范围内没有发布变更。"
        features, fixes = len(groups.get("features", [])), len(groups.get("fixes", []))
        text = (f"本次发布包含 {n} 项变更：新功能 {features} 项，问题修复 {fixes} 项，"
                f"其他 {len(groups.get('other', []))} 项。")
        top = (groups.get("features") or groups.get("other") or groups.get("fixes") or [])[:3]
        if top:
            text += "重点：" + "；".join(f"#{t.number} {t.title}" for t in top) + "。"
        return text


def _facts_prompt(f: Facts) -> str:
    """The facts as sentences: a small model copies "Key: value" lines back verbatim."""
    named = [mv.milestone.name for mv in f.milestones if mv.milestone]
    parts = [f"The project is called {f.project.name}."]
    if f.project.description:
        parts.append(f.project.description[:1500].strip())
    if f.requirement:
        parts.append(f"The requirement is: {f.requirement[:1500].strip()}")
    if named:
        parts.append("Its milestones are " + ", ".join(named[:12]) + ".")
    parts.append(f"Of its {f.task_count} tasks, {f.done_count} are done, "
                 f"{len(f.in_progress)} are in progress and {len(f.blocked)} are blocked.")
    if f.doc_type == "prd" and f.insights.negative_aspects:
        parts.append("Customers complain most about " + ", ".join(
            a.aspect for a in f.insights.negative_aspects[:5]) + ".")
    if f.doc_type == "release_notes":
        shipped = [t.title for g in f.release_tasks.values() for t in g][:10]
        if shipped:
            parts.append("This release ships: " + "; ".join(shipped) + ".")
    return " ".join(parts)


def prompt_for(section: str, f: Facts) -> list[ChatMessage]:
    lang = f.language
    ask = _SECTION_ASK[lang][section].format(kind=_KIND_NAME[lang][f.doc_type])
    if lang == "zh":
        system = ("你是软件项目的技术文档撰写者。只写连贯的中文段落，不要标题、列表或表格。"
                  "不要提及任务编号、日期或未给出的人名。")
        user = f"资料：{_facts_prompt(f)}\n\n请用两到三句话写出{ask}。"
    else:
        system = ("You are a technical writer for a software project. Write plain prose only: "
                  "no headings, lists or tables. Do not mention task numbers, dates or people "
                  "that are not given.")
        user = f"Facts: {_facts_prompt(f)}\n\nWrite {ask} in two or three sentences."
    return [ChatMessage("system", system), ChatMessage("user", user)]


_ECHO = re.compile(r"^(facts|project|description|requirement|milestones|tasks|资料|事实)\s*[:：]",
                   re.IGNORECASE)


def clean_model_text(text: str, max_chars: int = 1500) -> str:
    """One or two paragraphs of plain prose: no headings, tables, quotes or echoed prompt;
    empty when nothing like a finished sentence is left."""
    kept: list[str] = []
    for line in text.replace("\r", "").split("\n"):
        s = line.strip()
        if not s or s.startswith(("#", "|", ">", "```")) or _ECHO.match(s):
            if kept and kept[-1] != "":
                kept.append("")
            continue
        kept.append(s.lstrip("-*• ").strip() if s[:2] in ("- ", "* ", "• ") else s)
    out = "\n".join(kept).strip()
    out = re.sub(r"\n{2,}", "\n\n", out)
    if len(out) > max_chars:
        out = out[:max_chars]
    # An unfinished last sentence (the token budget ran out) is dropped.
    if out and out[-1] not in ".!?。！？”\"":
        last = max(out.rfind(c) for c in ".!?。！？")
        out = out[: last + 1] if last > 0 else ""
    return out


class ProseWriter:
    """Writes each prose section with the model when it can, else from the template."""

    def __init__(self, generator: TextGenerator | None, model_languages: set[str],
                 max_new_tokens: int = 120) -> None:
        self.generator = generator
        self.model_languages = model_languages
        self.max_new_tokens = max_new_tokens
        self.template = TemplateProse()

    def uses_model(self, language: str) -> bool:
        return self.generator is not None and language in self.model_languages

    def write_template(self, section: str, f: Facts) -> ProseResult:
        start = time.perf_counter()
        text = self.template.write(section, f)
        return ProseResult(section, text, "template", seconds=time.perf_counter() - start)

    def write(self, section: str, f: Facts, *, on_piece: OnPiece | None = None,
              cancelled: Callable[[], bool] = lambda: False) -> ProseResult:
        """Blocking: run it in a worker thread. Raises ProseCancelled when cancelled."""
        generator = self.generator
        if generator is None or not self.uses_model(f.language):
            return self.write_template(section, f)
        start = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        try:
            for piece in generator.stream(prompt_for(section, f),
                                          max_new_tokens=self.max_new_tokens):
                if cancelled():
                    raise ProseCancelled(section)
                if first is None:
                    first = time.perf_counter() - start
                pieces.append(piece)
                if on_piece is not None:
                    on_piece(section, piece)
        except ProseCancelled:
            raise
        except Exception as exc:  # any backend failure: the deterministic writer stands in
            log.warning("model failed on section %s: %s; using the template", section, exc)
            result = self.write_template(section, f)
            result.error = f"{type(exc).__name__}: {exc}"
            return result
        raw = "".join(pieces)
        text = clean_model_text(raw)
        if not text:
            result = self.write_template(section, f)
            result.error = "the model returned no usable text"
            return result
        return ProseResult(section, text, "model", model=generator.model_name,
                           completion_chars=len(raw), first_piece_s=first,
                           seconds=time.perf_counter() - start)
