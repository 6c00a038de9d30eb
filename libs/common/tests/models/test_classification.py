from __future__ import annotations

from pathlib import Path

import pytest
from shopmind_common.models import ModelRegistry, SequenceClassifier, load_sequence_classifier


@pytest.fixture(scope="module")
def classifier(tiny_classifier: Path) -> SequenceClassifier:
    return load_sequence_classifier(tiny_classifier, device="cpu", registry=ModelRegistry())


def test_labels_come_from_the_config(classifier: SequenceClassifier) -> None:
    assert classifier.labels == ["negative", "positive"]
    assert classifier.describe()["device"] == "cpu"


def test_batched_probabilities_match_one_by_one(classifier: SequenceClassifier) -> None:
    texts = ["good", "the battery is not very good", "bad screen", "great price"]
    batched = classifier.predict_proba(texts)
    assert len(batched) == 4
    for row in batched:
        assert len(row) == 2 and abs(sum(row) - 1) < 1e-5
    # Padding must not change a text's answer.
    for text, row in zip(texts, batched, strict=True):
        (alone,) = classifier.predict_proba([text])
        assert alone == pytest.approx(row, abs=1e-4)
    assert classifier.predict_proba([]) == []


def test_loaded_once_per_registry(tiny_classifier: Path) -> None:
    registry = ModelRegistry()
    a = load_sequence_classifier(tiny_classifier, device="cpu", registry=registry)
    assert load_sequence_classifier(tiny_classifier, device="cpu", registry=registry) is a
