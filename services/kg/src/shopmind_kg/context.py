"""Everything the service's parts share, built once in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from shopmind_common.events import EventBus

from shopmind_kg.admin.service import AdminService
from shopmind_kg.config import KgSettings
from shopmind_kg.fusion.service import FusionService
from shopmind_kg.ingest.service import IngestService
from shopmind_kg.query.service import QueryService
from shopmind_kg.resolution.resolver import Resolver
from shopmind_kg.resolution.service import EntityService
from shopmind_kg.store.base import GraphStore
from shopmind_kg.text.extract import ProductExtractor
from shopmind_kg.text.intent import IntentParser


@dataclass
class KgContext:
    settings: KgSettings
    store: GraphStore
    resolver: Resolver
    ingest: IngestService
    entities: EntityService
    queries: QueryService
    fusion: FusionService
    admin: AdminService

    @classmethod
    def build(cls, settings: KgSettings, store: GraphStore, bus: EventBus | None) -> KgContext:
        resolver = Resolver(settings.similarity_threshold,
                            short_cjk_chars=settings.short_cjk_chars,
                            short_cjk_threshold=settings.short_cjk_threshold)
        return cls(
            settings=settings, store=store, resolver=resolver,
            ingest=IngestService(store=store, resolver=resolver, extractor=ProductExtractor(),
                                 settings=settings, bus=bus),
            entities=EntityService(store, resolver, bus),
            queries=QueryService(store, IntentParser(resolver)),
            fusion=FusionService(store, resolver, bus, settings.import_max_triples),
            admin=AdminService(store, settings.raw_cypher_timeout_s,
                               settings.raw_cypher_max_rows),
        )
