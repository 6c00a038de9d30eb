"""Keywords over the shared pipeline."""

from __future__ import annotations

from shopmind_nlp.engine import Engine
from shopmind_nlp.keywords.schemas import KeywordOut, KeywordsIn, KeywordsResult, KeywordsResults
from shopmind_nlp.limits import check_texts
from shopmind_nlp.text.language import primary


class KeywordService:
    async def extract(self, engine: Engine, body: KeywordsIn) -> KeywordsResults:
        texts = body.all_texts()
        check_texts(engine.settings, texts)
        analyses = await engine.analyze_async(texts, body.languages(), sentiment=False,
                                              aspects=False, entities=False,
                                              keywords_k=body.top_k, keyword_method=body.method)
        return KeywordsResults(results=[
            KeywordsResult(language=a.language,
                           method=body.method if primary(a.language, a.text) == "zh"
                           else "noun-chunks",
                           keywords=[KeywordOut(term=t, score=s) for t, s in a.keywords])
            for a in analyses])


keyword_service = KeywordService()
