"""Aliases, merges and near-duplicate detection over the graph."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from shopmind_common.errors import BadRequest, NotFound, Unavailable
from shopmind_common.events import EventBus

from shopmind_kg.ingest.events import graph_updated
from shopmind_kg.ingest.service import iso
from shopmind_kg.resolution.resolver import Resolver
from shopmind_kg.resolution.schemas import (
    AliasOut,
    AliasPut,
    DedupeOut,
    DuplicatePair,
    MergeOut,
    ResolveOut,
)
from shopmind_kg.store.base import GraphStore
from shopmind_kg.store.model import RESOLVABLE, AliasFact, NodeRef, WriteResult
from shopmind_kg.text.normalize import normalize_key


def _now() -> str:
    return iso(datetime.now(UTC))


class EntityService:
    def __init__(self, store: GraphStore, resolver: Resolver, bus: EventBus | None) -> None:
        self.store = store
        self.resolver = resolver
        self.bus = bus
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        """Reload aliases and node names from the store (start-up, periodically)."""
        aliases = await self.store.aliases()
        names = {label: await self.store.node_names(label) for label in RESOLVABLE}
        self.resolver.load(aliases, names)

    def _key(self, label: str, name: str) -> str:
        if label == "Attribute":
            return name.strip()
        key = normalize_key(label, name)
        if not key:
            raise BadRequest("the name has no letters or digits once normalised",
                             details=[{"field": "body.alias", "value": name}])
        return key

    async def list_aliases(self, label: str | None) -> list[AliasOut]:
        return [AliasOut(**a) for a in await self.store.aliases(label)]

    async def put_alias(self, label: str, alias: str, canonical: str) -> AliasPut:
        alias_key = self._key(label, alias)
        known = self.resolver.known(label)
        canonical_key = canonical if canonical in known else (
            self.resolver.follow(label, self._key(label, canonical)))
        if alias_key == canonical_key:
            raise BadRequest("alias and canonical are the same key",
                             details=[{"field": "body.alias", "key": alias_key}])
        async with self._lock:
            merged = None
            if alias_key in known and canonical_key in known:
                # The alias already is a node: fold it into the canonical one.
                merged = await self._merge(label, alias_key, canonical_key)
            at = _now()
            await self.store.put_alias(AliasFact(label, alias_key, canonical_key, "user"), at)
            self.resolver.add_alias(label, alias_key, canonical_key)
        return AliasPut(alias=AliasOut(label=label, alias=alias_key, canonical=canonical_key,
                                       origin="user", updated_at=at), merged=merged)

    async def delete_alias(self, label: str, alias: str) -> None:
        key = self._key(label, alias)
        if not await self.store.delete_alias(label, key):
            raise NotFound(f"no alias {key!r} for {label}",
                           details={"label": label, "alias": key})
        self.resolver.remove_alias(label, key)

    async def merge(self, label: str, source: str, target: str) -> MergeOut:
        if source == target:
            raise BadRequest("source and target are the same node",
                             details=[{"field": "body.source", "key": source}])
        async with self._lock:
            return await self._merge(label, source, target)

    async def _merge(self, label: str, source: str, target: str) -> MergeOut:
        try:
            result = await self.store.merge_nodes(label, source, target, _now())
        except KeyError as exc:
            raise NotFound(f"no node {exc.args[0]}", details={"node": exc.args[0]}) from exc
        self.resolver.forget(label, source)
        self.resolver.add_alias(label, source, target)
        if self.bus is not None:
            await self.bus.publish(graph_updated(WriteResult(
                node_ids=[NodeRef(label, target).id, NodeRef(label, source).id],
                source_event_ids=[f"merge:{label}:{source}->{target}"],
                relations_written=result.relations_moved + result.relations_combined)))
        return MergeOut(**result.__dict__)

    async def dedupe(self, label: str, threshold: float | None, apply: bool) -> DedupeOut:
        if self.resolver.encoder is None:
            raise Unavailable("near-duplicate detection needs the sentence encoder "
                              "(KG_EMBEDDINGS_ENABLED=true, and loaded)")
        threshold = threshold or self.resolver.threshold
        pairs = await asyncio.to_thread(self.resolver.near_duplicates, label, threshold)
        out = DedupeOut(label=label, threshold=threshold, pairs=[], merged=[])
        gone: set[str] = set()
        for a, b, score in pairs:
            # Keep the node the lexicon knows, else the shorter (usually plainer) key.
            seed = {k for _, k in self.resolver.seed_names(label)}
            target, source = (a, b) if (a in seed, -len(a), a) >= (b in seed, -len(b), b) \
                else (b, a)
            out.pairs.append(DuplicatePair(source=source, target=target, score=score))
            if apply and source not in gone and target not in gone:
                out.merged.append(await self.merge(label, source, target))
                gone.add(source)
        return out

    def resolve(self, label: str, name: str) -> ResolveOut:
        found = self.resolver.lookup(label, name)
        if found is not None:
            return ResolveOut(label=label, name=name, key=found.key, how=found.how)
        near = self.resolver.nearest(label, name)
        if near is not None:
            return ResolveOut(label=label, name=name, key=near[0], how="embedding",
                              score=round(near[1], 6))
        key = normalize_key(label, name) or None
        return ResolveOut(label=label, name=name, key=key, how="new" if key else None)
