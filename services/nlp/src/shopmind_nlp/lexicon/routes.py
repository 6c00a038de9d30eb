"""Lexicon endpoints: the aspect, brand and product terms users manage."""

from __future__ import annotations

from fastapi import APIRouter, Response
from shopmind_nlp.deps import DatabaseDep, EngineDep
from shopmind_nlp.lexicon.schemas import LexiconKind, LexiconOut, TermsIn
from shopmind_nlp.lexicon.service import lexicon_service

router = APIRouter(prefix="/v1/nlp/lexicon", tags=["lexicon"])


@router.get("/{kind}", response_model=LexiconOut)
async def list_terms(kind: LexiconKind, engine: EngineDep, db: DatabaseDep) -> LexiconOut:
    """The terms of one lexicon (builtin aspects included)."""
    return await lexicon_service.list(engine, db, kind)


@router.put("/{kind}", response_model=LexiconOut)
async def upsert_terms(kind: LexiconKind, body: TermsIn, engine: EngineDep,
                       db: DatabaseDep) -> LexiconOut:
    """Add terms (or replace their aliases); they apply to the next request."""
    return await lexicon_service.upsert(engine, db, kind, body)


@router.delete("/{kind}/{term}", status_code=204)
async def delete_term(kind: LexiconKind, term: str, engine: EngineDep,
                      db: DatabaseDep) -> Response:
    """Remove a user term."""
    await lexicon_service.delete(engine, db, kind, term)
    return Response(status_code=204)
