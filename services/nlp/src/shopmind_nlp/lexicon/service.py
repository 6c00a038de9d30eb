"""The user-managed lexicons: aspects (extend the builtin e-commerce list), brands, products."""

from __future__ import annotations

from shopmind_common.db import Database
from shopmind_common.errors import NotFound
from shopmind_nlp.engine import Engine
from shopmind_nlp.lexicon.repository import lexicon_repository as repo
from shopmind_nlp.lexicon.schemas import LexiconKind, LexiconOut, TermOut, TermsIn
from shopmind_nlp.text import lexicon as lx


class LexiconService:
    async def reload(self, engine: Engine, db: Database) -> int:
        """Read every user term and rebuild the matchers; returns the count."""
        async with db.session() as session:
            terms = await repo.all(session)
        engine.set_user_terms(terms)
        return len(terms)

    async def list(self, engine: Engine, db: Database, kind: LexiconKind) -> LexiconOut:
        await self.reload(engine, db)
        terms = [TermOut(term=t, aliases=a, source="user")
                 for t, a in engine.user_terms[kind].items()]
        if kind == "aspect":
            terms = [TermOut(term=t, aliases=list(a), source="builtin")
                     for t, a in lx.ZH_ASPECTS.items() if t not in engine.user_terms[kind]] + terms
        return LexiconOut(kind=kind, terms=terms)

    async def upsert(self, engine: Engine, db: Database, kind: LexiconKind,
                     body: TermsIn) -> LexiconOut:
        async with db.session() as session:
            for t in body.terms:
                aliases = sorted({a.strip() for a in t.aliases if a.strip()} - {t.term.strip()})
                await repo.upsert(session, kind, t.term.strip(), aliases)
        return await self.list(engine, db, kind)

    async def delete(self, engine: Engine, db: Database, kind: LexiconKind, term: str) -> None:
        async with db.session() as session:
            deleted = await repo.delete(session, kind, term)
        if not deleted:
            raise NotFound(f"no user {kind} term {term!r}", details={"field": "path.term"})
        await self.reload(engine, db)


lexicon_service = LexiconService()
