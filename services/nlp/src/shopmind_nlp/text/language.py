"""Language detection by script: Chinese, English or mixed."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["zh", "en", "mixed"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# A Chinese review quoting a brand ("华为P60拍照好") is still Chinese; only a
# real share of English words makes it mixed.
_MIXED_MIN_SHARE = 0.2


def detect(text: str) -> Language:
    """zh when Han characters dominate, en when Latin words do, mixed when both weigh."""
    latin_words = _LATIN_WORD.findall(text)
    if not latin_words:  # the common case for Chinese reviews: no need to count Han
        return "zh" if _CJK.search(text) else "en"
    han = len(_CJK.findall(text))
    if han == 0:
        return "en"
    # One English word carries about as much as one and a half Han characters.
    latin = len(latin_words) * 1.5
    share = latin / (han + latin)
    if share < _MIXED_MIN_SHARE:
        return "zh"
    if share > 1 - _MIXED_MIN_SHARE:
        return "en"
    return "mixed"


def primary(language: Language, text: str) -> Literal["zh", "en"]:
    """The pipeline a text runs through: mixed texts go to the Chinese one if they have Han."""
    if language == "mixed":
        return "zh" if _CJK.search(text) else "en"
    return language
