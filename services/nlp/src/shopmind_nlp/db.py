"""The nlp service's tables: user lexicon terms and trained sentiment models."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
)
from sqlalchemy.ext.asyncio import AsyncEngine

metadata = MetaData()

lexicon_terms = Table(
    "nlp_lexicon_terms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # aspect | brand | product
    Column("term", String(200), nullable=False),
    Column("aliases", JSON, nullable=False, default=list),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    UniqueConstraint("kind", "term", name="uq_nlp_lexicon_kind_term"),
)

sentiment_models = Table(
    "nlp_sentiment_models",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("features", String(64), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("params", JSON, nullable=False),
    Column("weights", LargeBinary, nullable=False),  # npz of the head's arrays
    Column("active", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
