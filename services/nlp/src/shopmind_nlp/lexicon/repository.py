"""Every query on the user lexicon."""

from __future__ import annotations

from shopmind_nlp.db import lexicon_terms
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession


class LexiconRepository:
    async def all(self, session: AsyncSession) -> list[tuple[str, str, list[str]]]:
        rows = await session.execute(
            select(lexicon_terms.c.kind, lexicon_terms.c.term, lexicon_terms.c.aliases)
            .order_by(lexicon_terms.c.id))
        return [(r.kind, r.term, list(r.aliases or [])) for r in rows]

    async def upsert(self, session: AsyncSession, kind: str, term: str,
                     aliases: list[str]) -> None:
        existing = await session.execute(
            select(lexicon_terms.c.id).where(lexicon_terms.c.kind == kind,
                                             lexicon_terms.c.term == term))
        row = existing.first()
        if row is None:
            await session.execute(lexicon_terms.insert().values(kind=kind, term=term,
                                                                aliases=aliases))
        else:
            await session.execute(lexicon_terms.update().where(lexicon_terms.c.id == row.id)
                                  .values(aliases=aliases))

    async def delete(self, session: AsyncSession, kind: str, term: str) -> bool:
        result = await session.execute(
            delete(lexicon_terms).where(lexicon_terms.c.kind == kind,
                                        lexicon_terms.c.term == term))
        return bool(getattr(result, "rowcount", 0))


lexicon_repository = LexiconRepository()
