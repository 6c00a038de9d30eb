"""One pass over a batch: language, sentiment, aspects, entities and keywords."""

from __future__ import annotations

import asyncio

from shopmind_common.db import Database
from shopmind_nlp.analyze.schemas import AnalysisOut, AnalyzeIn, AnalyzeResults, SentimentBrief
from shopmind_nlp.aspects.service import aspect_out
from shopmind_nlp.engine import Analysis, Engine
from shopmind_nlp.entities.service import entity_out
from shopmind_nlp.keywords.schemas import KeywordOut
from shopmind_nlp.limits import check_texts
from shopmind_nlp.sentiment.service import resolve_backend, sentiment_service


class AnalyzeService:
    async def run(self, engine: Engine, db: Database, texts: list[str],
                  languages: list[str | None], *, top_k: int = 8,
                  backend: str | None = None) -> list[Analysis]:
        """The analysis of each text; sentiment from the resolved backend."""
        builtin = resolve_backend(engine, backend, None) == "builtin"
        analyses = await asyncio.to_thread(engine.analyze, texts, languages, sentiment=builtin,
                                           keywords_k=top_k)
        if not builtin:
            scored = await sentiment_service.score_texts(
                engine, db, texts, [a.language for a in analyses], backend)
            for a, (_, s) in zip(analyses, scored, strict=True):
                a.sentiment = s
        return analyses

    async def analyze(self, engine: Engine, db: Database, body: AnalyzeIn) -> AnalyzeResults:
        texts = body.all_texts()
        check_texts(engine.settings, texts)
        analyses = await self.run(engine, db, texts, body.languages(), top_k=body.top_k,
                                  backend=body.backend)
        return AnalyzeResults(results=[_out(a) for a in analyses])


def _out(a: Analysis) -> AnalysisOut:
    assert a.sentiment is not None
    s = a.sentiment
    return AnalysisOut(
        language=a.language,
        sentiment=SentimentBrief(score=s.score, label=s.label, backend=s.backend,
                                 confidence=s.confidence),
        aspects=[aspect_out(x) for x in a.aspects],
        entities=[entity_out(e) for e in a.entities],
        keywords=[KeywordOut(term=t, score=sc) for t, sc in a.keywords])


analyze_service = AnalyzeService()
