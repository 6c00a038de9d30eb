"""Graph stores: one interface (`GraphStore`), Neo4j or in process."""

from __future__ import annotations

from pathlib import Path

from shopmind_kg.config import KgSettings
from shopmind_kg.store.base import BackendUnsupported, GraphStore
from shopmind_kg.store.memory import EmbeddedGraphStore
from shopmind_kg.store.neo4j import Neo4jGraphStore


def store_from_settings(settings: KgSettings) -> GraphStore:
    """Neo4j when NEO4J_URI is set, else the embedded store persisted in the data dir."""
    if settings.neo4j_uri:
        return Neo4jGraphStore(settings.neo4j_uri, user=settings.neo4j_user,
                               password=settings.neo4j_password,
                               database=settings.neo4j_database,
                               query_timeout_s=settings.query_timeout_s)
    path = None
    if settings.embedded_persist:
        path = Path(settings.data_dir).expanduser() / "kg-graph.json"
    return EmbeddedGraphStore(path, snapshot_interval_s=settings.embedded_snapshot_s)


__all__ = ["BackendUnsupported", "EmbeddedGraphStore", "GraphStore", "Neo4jGraphStore",
           "store_from_settings"]
