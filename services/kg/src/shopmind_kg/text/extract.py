"""Brand, category and attributes from a product's fields, title and description.

Catalog fields win (confidence 1.0); otherwise the title is searched for known
brand and category names (the seed lexicon plus every name already in the
graph), and regular expressions find attributes in Chinese and English:
storage and memory, screen size, battery, power, weight, resolution, network
and colour. Entities the nlp service finds in the text, when it is reachable,
add brand candidates and MENTIONS.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from shopmind_kg.text.lexicon import COLOURS
from shopmind_kg.text.match import PhraseMatcher
from shopmind_kg.text.normalize import normalize_text

_ORG = ("org", "organisation", "organization")
_CATEGORY_SPLIT = re.compile(r"\s*(?:/|>|\||›|»|\\|＞|→)\s*")


@dataclass(frozen=True)
class Candidate:
    """A relation extraction proposes; resolution turns `name` into a key."""

    rel_type: str               # BRAND | IN_CATEGORY | HAS_ATTRIBUTE | MENTIONS
    name: str
    extractor: str
    confidence: float
    node_props: dict[str, Any] = field(default_factory=dict)


@dataclass
class Extraction:
    candidates: list[Candidate] = field(default_factory=list)
    taxonomy: list[tuple[str, str]] = field(default_factory=list)   # (child name, parent name)


_NUM = r"(\d+(?:\.\d+)?)"
_ATTRIBUTE_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    # "12gb+256gb", "8+128g": memory + storage
    ("ram+storage",
     re.compile(r"(?<![\d.])(\d{1,2})\s*(?:gb|g)?\s*\+\s*(\d{2,4})\s*(gb|g|tb|t)(?![a-z0-9])"), ""),
    ("ram", re.compile(r"(\d{1,3})\s*(?:gb|g)\s*(?:ram|内存|运行内存)"), "gb"),
    ("ram", re.compile(r"(?:ram|运行内存)\s*(\d{1,3})\s*(?:gb|g)"), "gb"),
    ("storage",
     re.compile(r"(?<![\d.+])(\d{1,4})\s*(gb|tb)(?![a-z0-9])(?!\s*\+)(?!\s*(?:ram|内存|运行内存))"),
     ""),
    ("storage", re.compile(r"(?<![\d.+])(\d{2,4})\s*g(?=\s|$|[\u3400-\u9fff])(?!\s*\+)"), "gb"),
    ("screen_size", re.compile(_NUM + r"\s*(?:英寸|寸|inch(?:es)?|in\b|\")"), "in"),
    ("battery", re.compile(r"(\d{3,5})\s*mah\b"), "mah"),
    ("power", re.compile(_NUM + r"\s*w\b"), "w"),
    ("weight", re.compile(_NUM + r"\s*(kg|公斤|千克|克)"), ""),
    ("resolution", re.compile(r"\b(4k|8k|2k|1080p|1440p|720p)\b"), ""),
    ("network", re.compile(r"(?<![\d.])(5g|4g)(?![a-z0-9])"), ""),
)
_WEIGHT_UNITS = {"kg": "kg", "公斤": "kg", "千克": "kg", "克": "g"}


def _attr(name: str, value: str, extractor: str, confidence: float) -> Candidate:
    name_n = normalize_text(name).replace(" ", "_")
    value_n = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    return Candidate("HAS_ATTRIBUTE", f"{name_n}={value_n}", extractor, confidence,
                     {"attribute": name_n, "value": value_n})


def regex_attributes(text: str) -> list[Candidate]:
    # Only width and case are folded: decimals, "+" and '"' carry meaning here.
    norm = unicodedata.normalize("NFKC", text).casefold()
    out: dict[str, Candidate] = {}
    for name, pattern, unit in _ATTRIBUTE_PATTERNS:
        for m in pattern.finditer(norm):
            if name == "ram+storage":
                ram, storage, storage_unit = m.group(1), m.group(2), m.group(3)
                out.setdefault("ram", _attr("ram", f"{ram}gb", "regex", 0.9))
                tb = storage_unit.startswith("t")
                out.setdefault("storage", _attr("storage", f"{storage}{'tb' if tb else 'gb'}",
                                                "regex", 0.9))
            elif name == "ram":
                out.setdefault("ram", _attr("ram", m.group(1) + unit, "regex", 0.9))
            elif name == "storage":
                value = m.group(1) + (unit or m.group(2))
                out.setdefault("storage", _attr("storage", value, "regex", 0.85))
            elif name == "weight":
                out.setdefault("weight", _attr("weight", m.group(1) + _WEIGHT_UNITS[m.group(2)],
                                               "regex", 0.85))
            else:
                value = m.group(1) + unit
                out.setdefault(name, _attr(name, value, "regex", 0.85))
    return list(out.values())


_COLOURS = PhraseMatcher([(name, term.key) for term in COLOURS for name in term.names
                          if len(name) > 1])


class ProductExtractor:
    """Extraction with matchers over the seed lexicon and the names in the graph."""

    def __init__(self) -> None:
        self._brands = PhraseMatcher([])
        self._categories = PhraseMatcher([])
        self._version = -1

    def refresh(self, version: int, brands: list[tuple[str, str]],
                categories: list[tuple[str, str]]) -> None:
        """Rebuild the matchers when the resolver's vocabulary changed."""
        if version != self._version:
            self._brands = PhraseMatcher(brands)
            self._categories = PhraseMatcher(categories)
            self._version = version

    def extract(self, *, title: str, description: str, brand: str, category: str,
                attributes: dict[str, str], nlp_entities: list[dict[str, Any]] | None = None
                ) -> Extraction:
        out = Extraction()
        text = f"{title} {description}".strip()
        if brand.strip():
            out.candidates.append(Candidate("BRAND", brand.strip(), "catalog", 1.0))
        else:
            found = self._brands.find(title) or self._brands.find(description)
            if found:
                out.candidates.append(Candidate("BRAND", found[0].surface, "lexicon", 0.8))
            else:
                for ent in nlp_entities or ():
                    if ent.get("label") in ("brand", *_ORG) and ent.get("text"):
                        out.candidates.append(Candidate("BRAND", str(ent["text"]), "nlp", 0.6))
                        break
        path = [p for p in _CATEGORY_SPLIT.split(category.strip()) if p.strip()]
        if path:
            out.candidates.append(Candidate("IN_CATEGORY", path[-1], "catalog", 1.0))
            out.taxonomy = [(path[i + 1], path[i]) for i in range(len(path) - 1)]
        else:
            # The category word sits late in a title ("华为 Mate 60 智能手机"): take the last.
            found = self._categories.find(title)
            if found:
                out.candidates.append(Candidate("IN_CATEGORY", found[-1].surface, "lexicon", 0.7))
        given = {normalize_text(k).replace(" ", "_") for k in attributes}
        for name, value in sorted(attributes.items()):
            if name.strip() and value.strip():
                out.candidates.append(_attr(name, value, "catalog", 1.0))
        for cand in regex_attributes(text):
            if cand.node_props["attribute"] not in given:
                out.candidates.append(cand)
        if "color" not in given and "colour" not in given:
            colours = _COLOURS.find(title)
            if colours:
                out.candidates.append(_attr("colour", colours[0].payload, "lexicon", 0.8))
        for ent in nlp_entities or ():
            if ent.get("label") in ("product", "person", "place", *_ORG) and ent.get("text"):
                out.candidates.append(Candidate("MENTIONS", str(ent["text"]), "nlp", 0.6,
                                                {"entity_label": str(ent["label"])}))
        return out
