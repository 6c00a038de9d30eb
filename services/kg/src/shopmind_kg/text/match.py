"""Finding known phrases in normalised text: longest first, no overlaps.

Chinese has no spaces, so a CJK phrase matches anywhere; a Latin phrase must
stand as whole words ("fan" is not in "fantastic").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shopmind_kg.text.normalize import normalize_text

_HAS_LATIN = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    surface: str
    payload: str


class PhraseMatcher:
    def __init__(self, phrases: list[tuple[str, str]]) -> None:
        """`phrases`: (surface, payload) pairs; surfaces are normalised here."""
        entries: dict[str, str] = {}
        for surface, payload in phrases:
            norm = normalize_text(surface)
            if norm and norm not in entries:
                entries[norm] = payload
        self._entries = sorted(entries.items(), key=lambda e: (-len(e[0]), e[0]))
        self._patterns = [
            (re.compile(rf"(?<![a-z0-9]){re.escape(s)}(?![a-z0-9])") if _HAS_LATIN.search(s)
             else re.compile(re.escape(s)), s, p)
            for s, p in self._entries
        ]

    def find(self, text: str, normalised: bool = False) -> list[Match]:
        norm = text if normalised else normalize_text(text)
        taken = [False] * len(norm)
        found: list[Match] = []
        for pattern, surface, payload in self._patterns:
            for m in pattern.finditer(norm):
                if any(taken[m.start():m.end()]):
                    continue
                for i in range(m.start(), m.end()):
                    taken[i] = True
                found.append(Match(m.start(), m.end(), surface, payload))
        return sorted(found, key=lambda m: m.start)
