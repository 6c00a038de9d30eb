"""Normalised keys: the one spelling of a name that resolution compares.

"ＡＰＰＬＥ  Inc." and "apple inc" and "Apple, Inc" all become "apple" for a
brand: NFKC folds full-width forms to half-width, case is folded, punctuation
becomes space, whitespace collapses, and brand keys drop company suffixes.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")

# Company-form words that never tell two brands apart.
_BRAND_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "旗舰店", "官方",
    "incorporated", "corporation", "company", "limited", "inc", "corp", "co", "ltd", "llc",
    "gmbh", "plc", "group", "official", "store",
)


def normalize_text(text: str) -> str:
    """NFKC, case-folded, punctuation as space, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    spaced = _PUNCT.sub(" ", folded)
    collapsed = _SPACE.sub(" ", spaced).strip()
    # "苹 果" and "苹果" are the same word; spaces only separate Latin words.
    return _CJK_GAP.sub("", collapsed)


def normalize_key(label: str, name: str) -> str:
    """The resolution key of `name` as a node of `label`."""
    key = normalize_text(name)
    if label == "Brand":
        changed = True
        while changed and key:
            changed = False
            for suffix in _BRAND_SUFFIXES:
                # Latin suffixes must be whole words: "costco" keeps its "co".
                tail = suffix if not suffix.isascii() else " " + suffix
                if key.endswith(tail) and len(key) > len(tail):
                    stripped = key[: -len(tail)].rstrip()
                    if stripped:
                        key, changed = stripped, True
                        break
    return key
