"""Shopping intents ("性价比高的手机", "quiet laptop fan") as category and aspect constraints.

Known category phrases are found first (longest wins, so "laptop fan" is the
laptop-cooler category, not laptop), then aspect names and the adjectives that
ask for a good aspect ("quiet" -> noise, "便宜" -> price). What is left is
segmented (jieba for Chinese) and each word is looked up through resolution:
aliases, graph names and, when the encoder is loaded, embedding similarity.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from shopmind_kg.resolution.resolver import Resolver
from shopmind_kg.text.lexicon import ASPECTS, POSITIVE_WANTS
from shopmind_kg.text.match import PhraseMatcher
from shopmind_kg.text.normalize import normalize_text

_CJK = re.compile(r"[\u3400-\u9fff]")
_STOP = frozenset({
    "的", "了", "和", "与", "很", "最", "比较", "一款", "一个", "推荐", "有没有", "什么", "哪个",
    "哪些", "好用", "求", "想要", "买", "我", "要", "适合", "而且", "又", "还", "也", "非常",
    "a", "an", "the", "with", "for", "and", "that", "is", "are", "which", "what", "me", "my",
    "best", "good", "great", "recommend", "buy", "want", "need", "some", "very", "really", "of",
    "in", "on", "to", "under", "cheap", "i",
})


@dataclass
class Intent:
    text: str
    language: str
    categories: list[str] = field(default_factory=list)
    aspects: list[str] = field(default_factory=list)
    terms: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def _jieba() -> Any:
    # jieba 0.42 has invalid escapes in its regexes; its import must not fail on the warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import jieba
    return jieba


def load_segmenter() -> dict[str, Any]:
    """Load jieba's dictionary once and teach it the lexicon's words."""
    jieba = _jieba()

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    from shopmind_kg.text.lexicon import BRANDS, CATEGORIES

    for term in (*BRANDS, *CATEGORIES, *ASPECTS):
        for name in (*term.names, *term.cues):
            if _CJK.search(name):
                jieba.add_word(name, freq=20000)
    return {"name": "jieba", "version": jieba.__version__, "device": "cpu"}


def _segment(text: str) -> list[str]:
    jieba = _jieba()

    if _CJK.search(text):
        return [t.strip() for t in jieba.cut(text) if t.strip()]
    return text.split()


class IntentParser:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._version = -1
        self._categories = PhraseMatcher([])
        self._aspects = PhraseMatcher([])

    def _refresh(self) -> None:
        if self._version == self.resolver.version:
            return
        self._categories = PhraseMatcher(self.resolver.surfaces("Category"))
        cues = [(cue, term.key) for term in ASPECTS for cue in term.cues]
        self._aspects = PhraseMatcher(self.resolver.surfaces("Aspect") + cues)
        self._version = self.resolver.version

    def parse(self, text: str) -> Intent:
        self._refresh()
        norm = normalize_text(text)
        intent = Intent(text=text, language="zh" if _CJK.search(norm) else "en")
        spans: list[tuple[int, int]] = []
        for label, matcher in (("Category", self._categories), ("Aspect", self._aspects)):
            masked = "".join(" " if any(s <= i < e for s, e in spans) else ch
                             for i, ch in enumerate(norm))
            for m in matcher.find(masked, normalised=True):
                spans.append((m.start, m.end))
                self._add(intent, label, m.payload, m.surface, "lexicon")
        rest = "".join(" " if any(s <= i < e for s, e in spans) else ch
                       for i, ch in enumerate(norm))
        for token in _segment(rest):
            if token in _STOP or token in POSITIVE_WANTS or len(token) < 2:
                continue
            if not _CJK.search(token) and len(token) < 3:
                continue
            found = None
            for label in ("Category", "Aspect"):
                hit = self.resolver.lookup(label, token)
                if hit is not None:
                    found = (label, hit.key, hit.how)
                    break
            if found is None:
                for label in ("Aspect", "Category"):
                    near = self.resolver.nearest(label, token)
                    if near is not None:
                        found = (label, near[0], f"embedding:{near[1]:.2f}")
                        break
            if found is None:
                intent.unmatched.append(token)
            else:
                self._add(intent, found[0], found[1], token, found[2])
        return intent

    @staticmethod
    def _add(intent: Intent, label: str, key: str, surface: str, how: str) -> None:
        target = intent.categories if label == "Category" else intent.aspects
        if key not in target:
            target.append(key)
        intent.terms.append({"surface": surface, "label": label, "key": key, "how": how})
