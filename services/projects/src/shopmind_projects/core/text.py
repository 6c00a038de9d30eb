"""Deterministic text handling for the fallbacks: language, tokens, fuzzy term matches.

Latin words are lower-cased with a light suffix strip; Chinese runs become
character bigrams (and the single character for one-character runs), which
matches Chinese skill names inside task text without a segmenter.
"""

from __future__ import annotations

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[A-Za-z][A-Za-z0-9+#.\-]*|\d+")
_STOP = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "from", "at",
    "as", "is", "are", "be", "this", "that", "it", "its", "into", "via", "using", "use", "we",
    "our", "you", "your", "will", "should", "must", "can", "need", "needs", "per", "all",
    "any",
})


def language(text: str) -> str:
    """"zh", "en" or "mixed" by the share of Chinese characters among letters."""
    cjk = len(_CJK_RE.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if cjk == 0:
        return "en"
    if latin == 0 or cjk >= 2 * latin:
        return "zh"
    return "mixed"


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for match in _TOKEN_RE.findall(text):
        if _CJK_RE.match(match):
            if len(match) == 1:
                out.append(match)
            out.extend(match[i:i + 2] for i in range(len(match) - 1))
        else:
            word = match.lower().strip(".-")
            if word and word not in _STOP:
                out.append(_stem(word))
    return out


def terms_match(a: str, b: str) -> bool:
    """Equal, or one a prefix of the other when both are long enough ("postgres"/"postgresql")."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and not _CJK_RE.match(short) and long_.startswith(short)


def coverage(needle: str, haystack: set[str]) -> float:
    """Share of the needle's tokens found (fuzzily) among the haystack tokens."""
    wanted = set(tokens(needle))
    if not wanted:
        return 0.0
    found = sum(1 for w in wanted if any(terms_match(w, h) for h in haystack))
    return found / len(wanted)
