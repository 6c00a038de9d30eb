"""Normalised keys, the seed lexicon, aliases and embedding near-duplicates."""

from __future__ import annotations

import pytest
from shopmind_kg.resolution.encoder import shared_encoder
from shopmind_kg.resolution.resolver import Resolver
from shopmind_kg.text.normalize import normalize_key, normalize_text


@pytest.mark.parametrize(("raw", "key"), [
    ("ＡＰＰＬＥ", "apple"),                  # full-width letters
    ("Apple, Inc.", "apple"),                 # punctuation and a company suffix
    ("  apple   INC ", "apple"),              # case and whitespace
    ("Costco", "costco"),                     # "co" is not a suffix inside a word
    ("华为技术有限公司", "华为技术"),
    ("苹 果", "苹果"),                          # spaces between Chinese characters
    ("Ｈｕａｗｅｉ（华为）", "huawei 华为"),
])
def test_brand_keys(raw: str, key: str) -> None:
    assert normalize_key("Brand", raw) == key


def test_other_labels_keep_company_words() -> None:
    assert normalize_key("Entity", "Apple Inc.") == "apple inc"
    assert normalize_text("！！！") == ""


def test_lexicon_aliases_and_exact_keys() -> None:
    resolver = Resolver(threshold=0.85)
    resolver.load([{"label": "Brand", "alias": "水果", "canonical": "apple"}],
                  {"Brand": [("apple", "Apple"), ("globex", "Globex")]})
    assert resolver.lookup("Brand", "苹果").key == "apple"            # seed lexicon
    assert resolver.lookup("Brand", "苹果").how == "lexicon"
    assert resolver.lookup("Brand", "水果公司").how == "alias"
    assert resolver.lookup("Brand", "GLOBEX Ltd.").key == "globex"
    assert resolver.lookup("Aspect", "性价比").key == "value"
    assert resolver.lookup("Category", "智能手机").key == "phone"
    assert resolver.lookup("Brand", "Initech") is None
    # A user alias outranks the lexicon, and alias chains are followed.
    resolver.add_alias("Brand", "apple", "globex")
    assert resolver.lookup("Brand", "苹果").key == "globex"
    new = resolver.resolve("Brand", "Initech")
    assert new is not None and (new.key, new.how) == ("initech", "new")
    assert resolver.resolve("Brand", "INITECH").how == "exact"


def test_embedding_near_duplicates_resolve_to_the_existing_node() -> None:
    resolver = Resolver(threshold=0.85, encoder=shared_encoder())
    resolver.load([], {"Aspect": [("charging speed", "charging speed"),
                                  ("touchscreen", "touchscreen")]})
    found = resolver.resolve_many("Aspect", ["充电速度", "touch screen", "fingerprint sensor"])
    assert [(r.key, r.how) for r in found] == [
        ("charging speed", "embedding"), ("touchscreen", "embedding"),
        ("fingerprint sensor", "new")]
    assert found[0].alias is not None and found[0].alias.origin == "embedding"
    assert found[0].score is not None and found[0].score >= 0.85
    # The decision is remembered as an alias; a stricter threshold would have kept them apart.
    assert resolver.lookup("Aspect", "充电速度").how == "alias"
    strict = Resolver(threshold=0.99, encoder=shared_encoder())
    strict.load([], {"Aspect": [("charging speed", "charging speed")]})
    assert strict.resolve("Aspect", "充电速度").how == "new"
    pairs = resolver.near_duplicates("Aspect", 0.75)
    assert ("fingerprint sensor", "fingerprint sensor") not in [(a, b) for a, b, _ in pairs]
