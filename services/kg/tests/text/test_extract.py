"""Extraction from product text and intent parsing, without a graph."""

from __future__ import annotations

import pytest
from shopmind_kg.resolution.resolver import Resolver
from shopmind_kg.text.extract import ProductExtractor, regex_attributes
from shopmind_kg.text.intent import IntentParser, load_segmenter


@pytest.mark.parametrize(("text", "expected"), [
    ("华为 Mate 60 Pro 12GB+512GB 6.82英寸 5000mAh 88W 5G",
     {"ram=12gb", "storage=512gb", "screen_size=6.82in", "battery=5000mah", "power=88w",
      "network=5g"}),
    ('iPhone 15 Plus 256GB 6.7"', {"storage=256gb", "screen_size=6.7in"}),
    ("ThinkPad 16GB RAM 1TB 14 inch 1.12kg 4K",
     {"ram=16gb", "storage=1tb", "screen_size=14in", "weight=1.12kg", "resolution=4k"}),
    ("小米 8+256G 运行内存", {"ram=8gb", "storage=256gb"}),
    ("ＵＳＢ充电器 ６５Ｗ", {"power=65w"}),                   # full-width digits and letters
])
def test_regex_attributes(text: str, expected: set[str]) -> None:
    assert {c.name for c in regex_attributes(text)} == expected


def _extractor() -> tuple[ProductExtractor, Resolver]:
    resolver = Resolver(0.85)
    resolver.load([], {"Brand": [("zeta labs", "Zeta Labs")]})
    extractor = ProductExtractor()
    extractor.refresh(resolver.version, resolver.surfaces("Brand"), resolver.surfaces("Category"))
    return extractor, resolver


def test_catalog_fields_win_and_the_title_fills_gaps() -> None:
    extractor, _ = _extractor()
    out = extractor.extract(title="Zeta Labs 降噪耳机 黑色", description="", brand="",
                            category="", attributes={})
    got = {(c.rel_type, c.name, c.extractor) for c in out.candidates}
    assert ("BRAND", "zeta labs", "lexicon") in got          # a brand the graph already knows
    assert ("IN_CATEGORY", "耳机", "lexicon") in got
    assert ("HAS_ATTRIBUTE", "colour=black", "lexicon") in got
    out = extractor.extract(title="Zeta Labs 降噪耳机", description="", brand="Other",
                            category="数码 > 影音 > 耳机", attributes={"Colour": "White"})
    got = {(c.rel_type, c.name, c.extractor) for c in out.candidates}
    assert ("BRAND", "Other", "catalog") in got and ("IN_CATEGORY", "耳机", "catalog") in got
    assert ("HAS_ATTRIBUTE", "colour=white", "catalog") in got
    assert out.taxonomy == [("影音", "数码"), ("耳机", "影音")]
    # Entities from the nlp service, when it answered, add a brand and mentions.
    out = extractor.extract(title="some gadget", description="", brand="", category="",
                            attributes={}, nlp_entities=[
                                {"text": "Initech", "label": "organisation"},
                                {"text": "Berlin", "label": "place"}])
    got = {(c.rel_type, c.name, c.extractor) for c in out.candidates}
    assert ("BRAND", "Initech", "nlp") in got and ("MENTIONS", "Berlin", "nlp") in got


def test_intents_in_both_languages() -> None:
    load_segmenter()
    resolver = Resolver(0.85)
    resolver.load([], {"Aspect": [("续航能力", "续航能力")]})
    parser = IntentParser(resolver)
    zh = parser.parse("性价比高的手机")
    assert (zh.language, zh.categories, zh.aspects) == ("zh", ["phone"], ["value"])
    en = parser.parse("Quiet LAPTOP fan")
    assert (en.categories, en.aspects) == (["laptop-cooler"], ["noise"])
    mixed = parser.parse("推荐续航能力强又轻便的 laptop")
    assert mixed.categories == ["laptop"]
    assert set(mixed.aspects) == {"续航能力", "weight"}
    assert parser.parse("cheap headphones with great sound").aspects == ["price", "sound"]
