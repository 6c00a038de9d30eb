"""Aspect-level sentiment over the shared pipeline."""

from __future__ import annotations

from shopmind_nlp.aspects.extract import Aspect
from shopmind_nlp.aspects.schemas import AspectOut, AspectsResult, AspectsResults, MentionOut
from shopmind_nlp.engine import Engine
from shopmind_nlp.limits import check_texts
from shopmind_nlp.schemas import TextsIn


def aspect_out(a: Aspect) -> AspectOut:
    return AspectOut(aspect=a.aspect, opinion=a.opinion, polarity=a.polarity,
                     score=max(-1.0, min(1.0, a.score)),
                     mentions=[MentionOut(start=m.start, end=m.end, opinion=m.opinion,
                                          opinion_start=m.opinion_start,
                                          opinion_end=m.opinion_end, score=round(m.score, 4))
                               for m in a.mentions])


class AspectService:
    async def extract(self, engine: Engine, body: TextsIn) -> AspectsResults:
        texts = body.all_texts()
        check_texts(engine.settings, texts)
        analyses = await engine.analyze_async(texts, body.languages(), sentiment=False,
                                              entities=False, keywords=False)
        return AspectsResults(results=[
            AspectsResult(language=a.language, aspects=[aspect_out(x) for x in a.aspects])
            for a in analyses])


aspect_service = AspectService()
