"""snownlp's naive Bayes sentiment model, scored over jieba tokens.

`SnowNLP(text).sentiments` spends almost all its time in snownlp's own
character-level segmenter (about 75 reviews/s). The classifier itself is a
naive Bayes over words: this module reads the same trained counts and scores
a text as prior + sum of per-word log-likelihood ratios, using the jieba
tokens the rest of the pipeline already has. Same model, another segmenter,
so scores differ slightly from snownlp's (the quality bench reports both).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import marshal
import math
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_model: NaiveBayes | None = None


class NaiveBayes:
    def __init__(self, counts: dict[str, Any]) -> None:
        pos = counts["d"]["pos"]
        neg = counts["d"]["neg"]
        total = float(counts["total"])
        self.prior = math.log(pos["total"] / total) - math.log(neg["total"] / total)
        log_pos_total = math.log(pos["total"])
        log_neg_total = math.log(neg["total"])
        # Unseen word: count `none` (1) in each class, so the ratio is the totals'.
        self.unseen = (math.log(pos["none"]) - log_pos_total) - (
            math.log(neg["none"]) - log_neg_total)
        self.ratio: dict[str, float] = {}
        for word in set(pos["d"]) | set(neg["d"]):
            lp = math.log(pos["d"].get(word, pos["none"])) - log_pos_total
            ln = math.log(neg["d"].get(word, neg["none"])) - log_neg_total
            self.ratio[word] = lp - ln
        self.stop = _stopwords()

    def log_odds(self, words: Iterable[str]) -> float:
        ratio, unseen, stop = self.ratio, self.unseen, self.stop
        total = self.prior
        for w in words:
            if w not in stop:
                total += ratio.get(w, unseen)
        return total

    def probability(self, words: Iterable[str]) -> float:
        """P(positive), as snownlp's `sentiments` reports it."""
        z = self.log_odds(words)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


def _package_dir() -> Path:
    # Not `import snownlp`: its __init__ loads every model it has (about 400 MB resident).
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the snownlp package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _stopwords() -> frozenset[str]:
    text = (_package_dir() / "normal" / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip())


def load() -> dict[str, Any]:
    """Read the sentiment model's counts straight from the package data."""
    global _model
    with _lock:
        if _model is None:
            with gzip.open(_package_dir() / "sentiment" / "sentiment.marshal.3", "rb") as fh:
                counts = marshal.loads(fh.read())
            _model = NaiveBayes(counts)
    return {"name": "snownlp", "version": importlib.metadata.version("snownlp"),
            "device": "cpu", "vocabulary": len(_model.ratio)}


def model() -> NaiveBayes:
    if _model is None:
        load()
    assert _model is not None
    return _model


def exact(text: str) -> float:
    """snownlp itself, with its own segmenter (slow; for comparison and `exact` mode)."""
    from shopmind_nlp.text import quiet_import

    quiet_import("snownlp")
    from snownlp import SnowNLP

    return float(SnowNLP(text).sentiments)
