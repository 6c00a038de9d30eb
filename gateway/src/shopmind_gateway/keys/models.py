"""The gateway's one table: API keys, stored as salted hashes."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table

metadata = MetaData()

api_keys = Table(
    "gateway_api_keys",
    metadata,
    Column("id", String(32), primary_key=True),  # public: the middle part of the key
    Column("name", String(200), nullable=False),
    Column("scopes", String(2000), nullable=False),  # space-separated
    Column("salt", String(64), nullable=False),
    Column("key_hash", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
