"""The deterministic fallback: a requirement paragraph (Chinese or English) into tasks.

Lines that look like a list become one task each; otherwise sentences and
clauses are split at punctuation and sequencing words ("然后", "then").
Clauses that state a purpose ("提升转化率", "to improve conversion") after
an action are kept as goals, not tasks. Estimates come from the kind of work
(research, design, build, test, deploy, ...) scaled by the scope words in the
clause; each estimate says how it was reached.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from shopmind_projects.core.text import language

_LIST_MARKER = re.compile(
    r"^\s*(?:\d+\s*[.、)）:：]|[-*•·]|[（(]\d+[)）]|[一二三四五六七八九十]+\s*[、.．]|第[一二三四五六七八九十\d]+[步点项][,，:：]?)\s*")
_SENTENCE_SPLIT = re.compile(r"(?<=[。！？!?；;])|\n+|(?<=[.])\s+(?=[A-Z\u4e00-\u9fff])")
_CN_CONNECTORS = ("首先", "其次", "然后", "接着", "之后", "随后", "最后", "最终", "并且", "同时",
                  "以及", "再", "并", "还要", "还需", "另外")
_EN_CONNECTORS = ("first", "firstly", "second", "secondly", "then", "next", "after that",
                  "afterwards", "finally", "lastly", "also", "and then", "and", "plus")
_SEQUENCE_WORDS = ("然后", "接着", "之后", "随后", "最后", "最终", "再", "then", "next",
                   "after that", "afterwards", "finally", "lastly", "and then")
_CN_GOAL = ("提升", "提高", "降低", "减少", "增加", "以便", "从而", "为了", "旨在", "以", "使",
            "让", "确保")
_EN_GOAL = ("to ", "so that", "in order to", "which ", "improving", "increasing", "boosting",
            "reducing", "ensuring", "thereby", "so ")
_CN_VERBS = ("调研", "研究", "分析", "评估", "设计", "测试", "验证", "部署", "上线", "发布", "编写",
             "修复", "优化", "集成", "对接", "接入", "实现", "开发", "构建", "搭建", "新增", "增加",
             "添加", "支持", "建立", "进行", "完成")
_EN_VERBS = ("research", "investigate", "analyse", "analyze", "evaluate", "design", "test",
             "verify", "deploy", "release", "launch", "ship", "document", "write", "fix",
             "optimize", "optimise", "tune", "integrate", "connect", "build", "implement",
             "develop", "create", "add", "support", "set up", "migrate", "refactor", "review",
             "update", "remove", "configure", "monitor")
_CLAUSE_SPLIT_CN = re.compile(
    r"[，,：:]|(?=(?:然后|接着|之后|随后|最后|并且|同时)[^，,]{2,})"
    rf"|(?:并且|并|再)(?=(?:{'|'.join(_CN_VERBS)}))")
_CLAUSE_SPLIT_EN = re.compile(
    r",\s*(?=(?:and\s+)?then\s)|;\s*|\s+(?=and then\s)"
    r"|,\s+(?=(?:then|next|finally|after that|afterwards|lastly)\b)"
    r"|,?\s+(?=(?:so that|in order to|thereby)\b)"
    rf"|,?\s+and\s+(?=(?:{'|'.join(_EN_VERBS)})\b)", re.IGNORECASE)
_EN_LEAD_IN = re.compile(
    r"^(?:we|you|i|they|it|the (?:system|app|service|team|platform)|users?)\s+"
    r"(?:need to|needs to|should|must|will|want to|would like to|have to|has to|need|want)\s+",
    re.IGNORECASE)
_CN_LEAD_IN = re.compile(r"^(?:我们|系统|平台|用户|团队)?(?:需要|要|应该|应当|必须|能够|可以|希望)")

# (category, hours, pattern): the first that matches names the kind of work.
_CATEGORIES: list[tuple[str, float, re.Pattern[str]]] = [
    ("research", 8, re.compile(r"调研|研究|分析|评估|investigat|research|analy[sz]|evaluat|spike",
                               re.I)),
    ("design", 12, re.compile(r"设计|方案|架构|原型|design|architect|prototyp|\bspec", re.I)),
    ("deploy", 4, re.compile(r"部署|上线|发布|deploy|release|launch|roll out|\bship", re.I)),
    ("test", 8, re.compile(r"测试|验证|验收|\btest|verif|\bqa\b", re.I)),
    ("docs", 4, re.compile(r"文档|说明书|document|\bdocs?\b|readme|write-?up", re.I)),
    ("fix", 6, re.compile(r"修复|缺陷|\bfix|\bbug", re.I)),
    ("optimize", 12, re.compile(r"优化|性能|optimi|tun(e|ing)\b|speed up|performance", re.I)),
    ("integrate", 12, re.compile(r"集成|对接|接入|integrat|connect|hook up", re.I)),
    ("build", 16, re.compile(r"实现|开发|构建|搭建|新增|增加|添加|支持|建立|编写|build|implement|"
                             r"develop|create|add\b|support|make|write|set up|setup", re.I)),
]
_DEFAULT = ("task", 8.0)
_LARGE_SCOPE = re.compile(r"系统|平台|引擎|推荐|搜索|全链路|架构|system|platform|engine|pipeline|"
                          r"recommend|search|end-to-end|service", re.I)
_ENUMERATION = re.compile(r"、|(?<=\w),\s*(?=\w)|\s+and\s+|和|及")


@dataclass
class Draft:
    title: str
    description: str
    category: str
    estimate_hours: float
    basis: str
    depends_on: list[int] = field(default_factory=list)


@dataclass
class Split:
    language: str
    tasks: list[Draft]
    goals: list[str]


def _strip_connectors(clause: str) -> tuple[str, bool]:
    """The clause without leading connectors, and whether one of them means 'after that'."""
    sequenced = False
    changed = True
    text = clause.strip(" \t\u3000.。,，;；:：")
    while changed and text:
        changed = False
        low = text.lower()
        for word in sorted(_EN_CONNECTORS, key=len, reverse=True):
            if low.startswith(word + " ") or low.startswith(word + ","):
                sequenced |= word in _SEQUENCE_WORDS
                text = text[len(word):].lstrip(" ,")
                changed = True
                break
        else:
            for word in sorted(_CN_CONNECTORS, key=len, reverse=True):
                if text.startswith(word) and len(text) > len(word) + 1:
                    sequenced |= word in _SEQUENCE_WORDS
                    text = text[len(word):].lstrip("，, ")
                    changed = True
                    break
    text = text.strip(" \t\u3000.。,，;；:：")
    stripped = _EN_LEAD_IN.sub("", text)
    if stripped != text and not _is_action(stripped.split(" ", 1)[0]):
        stripped = "Build " + stripped  # "we need a dashboard ..." asks for something built
    text = _CN_LEAD_IN.sub("", stripped) or stripped
    return text, sequenced


def _is_goal(clause: str) -> bool:
    low = clause.lower()
    return clause.startswith(_CN_GOAL) or low.startswith(_EN_GOAL)


def _is_action(clause: str) -> bool:
    return any(pattern.search(clause) for _, _, pattern in _CATEGORIES)


def _too_short(clause: str) -> bool:
    if re.search(r"[\u4e00-\u9fff]", clause):
        return len(re.findall(r"[\u4e00-\u9fff]", clause)) < 3
    return len(clause.split()) < 2


def _estimate(clause: str) -> tuple[str, float, str]:
    category, hours = _DEFAULT
    for name, base, pattern in _CATEGORIES:
        if pattern.search(clause):
            category, hours = name, base
            break
    factors = [f"{category} work {hours:g}h"]
    if _LARGE_SCOPE.search(clause):
        hours *= 1.5
        factors.append("large scope x1.5")
    parts = len(_ENUMERATION.findall(clause))
    if parts:
        scale = min(1 + 0.25 * parts, 2.0)
        hours *= scale
        factors.append(f"{parts + 1} items x{scale:g}")
    hours = max(2.0, 2 * math.ceil(hours / 2))  # whole pairs of hours
    return category, hours, ", ".join(factors) + f" = {hours:g}h"


def _title(clause: str, lang: str) -> str:
    title = clause.strip()
    if lang == "en" and title:
        title = title[0].upper() + title[1:]
    return title[:120].rstrip()


def _items(text: str) -> list[str]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) >= 2 and sum(bool(_LIST_MARKER.match(ln)) for ln in lines) >= 2:
        # A list: the lines before the first item introduce it (they are context, kept as goals).
        return [ln for ln in lines]
    return [s for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def split_requirement(text: str, *, max_tasks: int = 50) -> Split:
    lang = language(text)
    drafts: list[Draft] = []
    goals: list[str] = []
    is_list = False
    items = _items(text)
    if any(_LIST_MARKER.match(i) for i in items) and len(items) >= 2:
        is_list = True
    for item in items:
        marker = _LIST_MARKER.match(item)
        body = item[marker.end():] if marker else item
        if is_list and not marker and not drafts:
            continue  # the line that introduces the list ("需求如下：")
        splitter = _CLAUSE_SPLIT_CN if lang != "en" else _CLAUSE_SPLIT_EN
        clauses = [c for c in splitter.split(body) if c and c.strip()] if not is_list else [body]
        first_in_sentence = True
        for raw in clauses:
            clause, sequenced = _strip_connectors(raw)
            if not clause:
                continue
            if not first_in_sentence and _is_goal(clause) and not _is_action(clause.split()[0]
                                                                             if lang == "en"
                                                                             else clause[:2]):
                goals.append(clause)
                continue
            action = _is_action(clause)
            if drafts and ((_too_short(clause) and not action)
                           or not (action or first_in_sentence)):
                # A fragment continues the previous task ("…, including X").
                prev = drafts[-1]
                prev.description = f"{prev.description}{'，' if lang != 'en' else ', '}{clause}"
                continue
            first_in_sentence = False
            category, hours, basis = _estimate(clause)
            draft = Draft(title=_title(clause, lang), description=clause, category=category,
                          estimate_hours=hours, basis=basis)
            if drafts and sequenced:
                draft.depends_on.append(len(drafts) - 1)
            drafts.append(draft)
        if len(drafts) >= max_tasks:
            break
    drafts = drafts[:max_tasks]
    _infer_order(drafts)
    return Split(language=lang, tasks=drafts, goals=goals)


def _infer_order(drafts: list[Draft]) -> None:
    """Testing follows the build before it, and deploying follows the testing before it."""
    for i, draft in enumerate(drafts):
        if draft.depends_on:
            continue
        wanted = {"test": ("build", "integrate", "optimize", "fix"),
                  "deploy": ("test",)}.get(draft.category)
        if not wanted:
            continue
        for j in range(i - 1, -1, -1):
            if drafts[j].category in wanted:
                draft.depends_on.append(j)
                break
