"""Entities over the shared pipeline, with the user's brand and product lexicon."""

from __future__ import annotations

from shopmind_nlp.engine import Engine
from shopmind_nlp.entities.extract import EntitySpan
from shopmind_nlp.entities.schemas import EntitiesIn, EntitiesResult, EntitiesResults, EntityOut
from shopmind_nlp.limits import check_texts


def entity_out(e: EntitySpan) -> EntityOut:
    return EntityOut(text=e.text, label=e.label, start=e.start, end=e.end)


class EntityService:
    async def extract(self, engine: Engine, body: EntitiesIn) -> EntitiesResults:
        texts = body.all_texts()
        check_texts(engine.settings, texts)
        analyses = await engine.analyze_async(texts, body.languages(), sentiment=False,
                                              aspects=False, keywords=False,
                                              precise=body.precise)
        return EntitiesResults(results=[
            EntitiesResult(language=a.language, entities=[entity_out(e) for e in a.entities])
            for a in analyses])


entity_service = EntityService()
