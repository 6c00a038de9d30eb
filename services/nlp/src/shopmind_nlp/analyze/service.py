"""One pass over a batch: language, sentiment, aspects, entities and keywords."""

from __future__ import annotations

from typing import Any

import orjson
from shopmind_common.db import Database
from shopmind_nlp.analyze.schemas import AnalyzeIn
from shopmind_nlp.engine import Analysis, Engine
from shopmind_nlp.limits import check_texts
from shopmind_nlp.sentiment.service import resolve_backend, sentiment_service


class AnalyzeService:
    async def run(self, engine: Engine, db: Database, texts: list[str],
                  languages: list[str | None], *, top_k: int = 8,
                  backend: str | None = None) -> list[Analysis]:
        """The analysis of each text; sentiment from the resolved backend."""
        builtin = resolve_backend(engine, backend, None) == "builtin"
        analyses = await engine.analyze_async(texts, languages, sentiment=builtin,
                                              keywords_k=top_k)
        if not builtin:
            scored = await sentiment_service.score_texts(
                engine, db, texts, [a.language for a in analyses], backend)
            for a, (_, s) in zip(analyses, scored, strict=True):
                a.sentiment = s
        return analyses

    async def analyze_json(self, engine: Engine, db: Database, body: AnalyzeIn) -> bytes:
        """The AnalyzeResults document as JSON, built from plain dicts.

        A batch answer holds thousands of small objects; validating each through
        pydantic models costs about as much as the analysis itself.
        """
        texts = body.all_texts()
        check_texts(engine.settings, texts)
        analyses = await self.run(engine, db, texts, body.languages(), top_k=body.top_k,
                                  backend=body.backend)
        return orjson.dumps({"results": [analysis_dict(a) for a in analyses]})


def analysis_dict(a: Analysis) -> dict[str, Any]:
    """`AnalysisOut(...).model_dump()` built without the models: same keys, order and values
    (services/nlp/tests/analyze/test_pool.py checks it against the model)."""
    s = a.sentiment
    assert s is not None
    return {
        "language": a.language,
        "sentiment": {"score": s.score, "label": s.label, "backend": s.backend,
                      "confidence": s.confidence},
        "aspects": [{"aspect": x.aspect, "opinion": x.opinion, "polarity": x.polarity,
                     "score": max(-1.0, min(1.0, x.score)),
                     "mentions": [{"start": m.start, "end": m.end, "opinion": m.opinion,
                                   "opinion_start": m.opinion_start,
                                   "opinion_end": m.opinion_end, "score": round(m.score, 4)}
                                  for m in x.mentions]}
                    for x in a.aspects],
        "entities": [{"text": e.text, "label": e.label, "start": e.start, "end": e.end}
                     for e in a.entities],
        "keywords": [{"term": t, "score": sc} for t, sc in a.keywords],
    }


analyze_service = AnalyzeService()
