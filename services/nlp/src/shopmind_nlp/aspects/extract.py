"""Aspect–opinion pairs from tokens (Chinese) or a dependency parse (English).

Chinese: within a clause, an aspect (a lexicon term or a noun) followed by
optional degree and negation words and then an opinion (an adjective or a
lexicon opinion word): "质量很好", "物流不快". Also "opinion 的 aspect"
("不错的质量"). English: spaCy's `amod` ("great battery") and copular
subject–complement ("the battery is great") arcs, with `neg` children.
Mentions of the same aspect are merged into one result with all their spans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shopmind_nlp.text import lexicon as lx
from shopmind_nlp.text.chinese import Token, clauses, tag_of


@dataclass
class Mention:
    start: int
    end: int
    opinion: str
    score: float
    opinion_start: int
    opinion_end: int


@dataclass
class Aspect:
    aspect: str
    opinion: str
    polarity: str
    score: float
    mentions: list[Mention] = field(default_factory=list)


def polarity_of(score: float, threshold: float = 0.1) -> str:
    if score > threshold:
        return lx.POSITIVE
    if score < -threshold:
        return lx.NEGATIVE
    return lx.NEUTRAL


def merge(found: list[tuple[str, Mention]]) -> list[Aspect]:
    """One result per aspect, in order of first mention, scores averaged."""
    by_aspect: dict[str, list[Mention]] = {}
    for aspect, mention in found:
        by_aspect.setdefault(aspect, []).append(mention)
    out = []
    for aspect, mentions in by_aspect.items():
        score = sum(m.score for m in mentions) / len(mentions)
        strongest = max(mentions, key=lambda m: abs(m.score))
        out.append(Aspect(aspect=aspect, opinion=strongest.opinion, polarity=polarity_of(score),
                          score=round(score, 4), mentions=mentions))
    return out


# Longest first so "不太" is tried before "不".
_PREFIXES = sorted(lx.ZH_DEGREE | lx.ZH_NEGATION, key=len, reverse=True)


class ChineseAspects:
    """Pattern matcher over jieba tokens; the aspect lexicon is user-extensible."""

    def __init__(self, aspects: dict[str, str], lower_is_better: frozenset[str],
                 word_score: Callable[[list[str]], float]) -> None:
        # aspects: surface form -> canonical aspect
        self.aspects = aspects
        self.lower_is_better = lower_is_better
        # Scores an opinion phrase the lexicon does not know (the NB model), in [-1, 1].
        self.word_score = word_score
        # _core per word: the lexicons and tags are fixed for this instance (a lexicon
        # change builds a new one), and reviews reuse a small vocabulary of opinions.
        self._cores: dict[str, tuple[str, bool]] = {}

    def forget(self) -> None:
        self._cores.clear()

    def _core(self, opinion: str) -> tuple[str, bool]:
        """The lexicon word inside an opinion token ("太高" -> 高, "不太好" -> 好 negated)."""
        found = self._cores.get(opinion)
        if found is None:
            found = self._find_core(opinion)
            if len(self._cores) >= 50_000:
                self._cores.clear()
            self._cores[opinion] = found
        return found

    @staticmethod
    def _find_core(opinion: str) -> tuple[str, bool]:
        base, flip = opinion, False
        for _ in range(3):
            if base in lx.ZH_POSITIVE or base in lx.ZH_NEGATIVE:
                return base, flip
            for prefix in _PREFIXES:
                rest = base[len(prefix):]
                if base.startswith(prefix) and rest:
                    if prefix in lx.ZH_NEGATION:
                        flip = not flip
                    base = rest
                    break
            else:
                break
        if base in lx.ZH_POSITIVE or base in lx.ZH_NEGATIVE:
            return base, flip
        if base != opinion and tag_of(base) in lx.ZH_OPINION_POS_TAGS:
            return base, flip  # "很强" -> 强, an adjective the lexicon lacks
        return opinion, False

    def _opinion_score(self, aspect: str, opinion: str) -> float:
        base, flip = self._core(opinion)
        if base in lx.ZH_POSITIVE:
            score = 0.8
        elif base in lx.ZH_NEGATIVE:
            score = -0.8
        else:
            score = self.word_score([aspect, opinion])
        if aspect in self.lower_is_better and base in {"高", "快", "大", "多"}:
            score = -abs(score)
        elif aspect in self.lower_is_better and base in {"低", "便宜", "小", "少"}:
            score = abs(score)
        return -score if flip else score

    def _is_aspect(self, tok: Token) -> str | None:
        canonical = self.aspects.get(tok.word)
        if canonical is not None:
            return canonical
        if tok.pos in lx.ZH_NOUN_TAGS and len(tok.word) > 1:
            return tok.word
        return None

    def _fused(self, tok: Token) -> tuple[str, Mention] | None:
        """A dictionary word that is aspect + opinion in one ("价格便宜", "质量好")."""
        if tok.word in self.aspects or len(tok.word) < 3:
            return None
        for cut in (2, 3):
            head, rest = tok.word[:cut], tok.word[cut:]
            canonical = self.aspects.get(head)
            if canonical is not None and rest and self._is_opinion(
                    Token(rest, tag_of(rest) or "x", tok.start + cut, tok.end)):
                return canonical, Mention(tok.start, tok.start + cut, rest,
                                          self._opinion_score(canonical, rest),
                                          tok.start + cut, tok.end)
        return None

    def _is_opinion(self, tok: Token) -> bool:
        return (tok.pos in lx.ZH_OPINION_POS_TAGS or tok.word in lx.ZH_POSITIVE
                or tok.word in lx.ZH_NEGATIVE or self._core(tok.word)[0] != tok.word)

    def extract(self, tokens: list[Token]) -> list[Aspect]:
        found: list[tuple[str, Mention]] = []
        for clause in clauses(tokens):
            n = len(clause)
            i = 0
            while i < n:
                tok = clause[i]
                fused = self._fused(tok)
                if fused is not None:
                    found.append(fused)
                    i += 1
                    continue
                aspect = self._is_aspect(tok)
                if aspect is not None:
                    j, negated = i + 1, False
                    # aspect [是/的]? [degree|negation]* opinion
                    while j < n and j <= i + 4 and (clause[j].word in lx.ZH_DEGREE
                                                     or clause[j].word in lx.ZH_NEGATION
                                                     or clause[j].word in {"是", "的", "也"}):
                        if clause[j].word in lx.ZH_NEGATION:
                            negated = not negated
                        j += 1
                    if j < n and self._is_opinion(clause[j]) and clause[j].word not in self.aspects:
                        op = clause[j]
                        score = self._opinion_score(aspect, op.word)
                        if negated:
                            score = -score
                        found.append((aspect, Mention(tok.start, tok.end, op.word, score,
                                                      op.start, op.end)))
                        i = j + 1
                        continue
                    # opinion 的 aspect: "不错的质量"
                    if (i >= 2 and clause[i - 1].word == "的" and self._is_opinion(clause[i - 2])
                            and tok.word in self.aspects):
                        op = clause[i - 2]
                        found.append((aspect, Mention(tok.start, tok.end, op.word,
                                                      self._opinion_score(aspect, op.word),
                                                      op.start, op.end)))
                i += 1
        return merge(found)


class EnglishAspects:
    """amod and subject–complement arcs from spaCy, scored with VADER."""

    def __init__(self, aspects: dict[str, str], vader: Callable[[str], float]) -> None:
        self.aspects = aspects  # lower-cased surface form -> canonical
        self.vader = vader

    @staticmethod
    def _negated(*tokens: Any) -> bool:
        return any(child.dep_ == "neg" for tok in tokens for child in tok.children)

    def _phrase(self, noun: Any) -> tuple[str, int, int]:
        """The noun with its compounds ("battery life"), with offsets."""
        left = [c for c in noun.lefts if c.dep_ == "compound"]
        first = left[0] if left else noun
        start, end = first.idx, noun.idx + len(noun.text)
        text = noun.doc.text[start:end].lower()
        return self.aspects.get(text, self.aspects.get(noun.text.lower(), text)), start, end

    def _score(self, adj: Any, negated: bool) -> float:
        phrase = ("not " if negated else "") + " ".join(
            [c.text for c in adj.lefts if c.dep_ == "advmod"] + [adj.text])
        return self.vader(phrase)

    def extract(self, doc: Any) -> list[Aspect]:
        found: list[tuple[str, Mention]] = []
        for tok in doc:
            if tok.pos_ != "ADJ":
                continue
            pairs: list[tuple[Any, bool]] = []
            if tok.dep_ == "amod" and tok.head.pos_ in {"NOUN", "PROPN"}:
                pairs.append((tok.head, self._negated(tok)))
            elif tok.dep_ in {"acomp", "ROOT", "conj"}:
                head = tok.head if tok.dep_ == "acomp" else tok
                if tok.dep_ == "conj" and tok.head.pos_ == "ADJ":
                    head = tok.head.head if tok.head.dep_ == "acomp" else tok.head
                for child in head.children:
                    if child.dep_ in {"nsubj", "nsubjpass"} and child.pos_ in {"NOUN", "PROPN"}:
                        pairs.append((child, self._negated(head, tok)))
            for noun, negated in pairs:
                aspect, start, end = self._phrase(noun)
                found.append((aspect, Mention(start, end, tok.text, self._score(tok, negated),
                                              tok.idx, tok.idx + len(tok.text))))
        return merge(found)
