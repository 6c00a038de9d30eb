"""Entities with offsets: the user lexicon first, then the language's own tagger.

Labels: brand, product, organisation, person, place, money, quantity.
Chinese uses jieba tags (nr person, ns place, nt organisation) plus rules for
money and quantities; English uses spaCy's NER. Brand and product names from
the user-managed lexicon win over whatever the tagger says about that span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shopmind_nlp.text.chinese import Token


@dataclass(frozen=True)
class EntitySpan:
    text: str
    label: str
    start: int
    end: int


_ZH_TAGS = {"nr": "person", "nrfg": "person", "ns": "place", "nt": "organisation"}
_EN_LABELS = {"ORG": "organisation", "PERSON": "person", "GPE": "place", "LOC": "place",
              "FAC": "place", "MONEY": "money", "QUANTITY": "quantity", "PRODUCT": "product"}
_ZH_MONEY = re.compile(
    r"(?:[¥￥$]\s*\d+(?:\.\d+)?(?:元|块|块钱)?|\d+(?:\.\d+)?\s*(?:元|块钱|块|美元|欧元))")
_ANY_DIGIT = re.compile(r"\d")
_ZH_QUANTITY = re.compile(
    r"\d+(?:\.\d+)?\s*(?:个|件|斤|公斤|千克|克|kg|g|ml|毫升|升|L|米|厘米|cm|寸|英寸|瓶|盒|包|袋|双|套|台|部|支|片|张|条|天|小时)",
    re.IGNORECASE)


class LexiconMatcher:
    """Longest-first, case-insensitive matching of brand and product names."""

    def __init__(self, terms: dict[str, tuple[str, str]]) -> None:
        # surface form (lower-cased) -> (canonical name, label)
        self.terms = {k.lower(): v for k, v in terms.items() if k}
        if self.terms:
            alternatives = sorted(self.terms, key=len, reverse=True)
            pattern = "|".join(re.escape(t) for t in alternatives)
            # Latin names must not match inside a longer word ("Apple" in "Pineapple").
            self._regex: re.Pattern[str] | None = re.compile(
                rf"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z])", re.IGNORECASE)
        else:
            self._regex = None

    def find(self, text: str) -> list[EntitySpan]:
        if self._regex is None:
            return []
        out = []
        for m in self._regex.finditer(text):
            canonical, label = self.terms[m.group(0).lower()]
            out.append(EntitySpan(canonical, label, m.start(), m.end()))
        return out


def _add(spans: list[EntitySpan], taken: list[tuple[int, int]], span: EntitySpan) -> None:
    if all(span.end <= s or span.start >= e for s, e in taken):
        spans.append(span)
        taken.append((span.start, span.end))


def chinese(text: str, tokens: list[Token], lexicon: LexiconMatcher) -> list[EntitySpan]:
    spans: list[EntitySpan] = []
    taken: list[tuple[int, int]] = []
    for span in lexicon.find(text):
        _add(spans, taken, span)
    if _ANY_DIGIT.search(text):  # both patterns need a digit
        for m in _ZH_MONEY.finditer(text):
            _add(spans, taken, EntitySpan(m.group(0), "money", m.start(), m.end()))
        for m in _ZH_QUANTITY.finditer(text):
            _add(spans, taken, EntitySpan(m.group(0), "quantity", m.start(), m.end()))
    tags = _ZH_TAGS
    for word, pos, start, end in tokens:
        label = tags.get(pos)
        if label is not None and len(word) > 1:
            _add(spans, taken, EntitySpan(word, label, start, end))
    if len(spans) < 2:
        return spans
    return sorted(spans, key=lambda s: s.start)


def english(doc: Any, lexicon: LexiconMatcher) -> list[EntitySpan]:
    spans: list[EntitySpan] = []
    taken: list[tuple[int, int]] = []
    for span in lexicon.find(doc.text):
        _add(spans, taken, span)
    for ent in doc.ents:
        label = _EN_LABELS.get(ent.label_)
        if label is not None:
            _add(spans, taken, EntitySpan(ent.text, label, ent.start_char, ent.end_char))
    return sorted(spans, key=lambda s: s.start)
