"""The Neo4j graph store: every Cypher query of the service lives here.

All values travel as parameters. Labels, relationship types and path lengths
cannot be parameters in Cypher, so they are interpolated only from the fixed
sets in `store.model` (checked by `_label` / `_rel`) or as validated integers.
A batch is one write transaction (`execute_write`, retried by the driver on
transient errors): read the state, plan with the shared planner, then UNWIND
each row set with MERGE.
"""

from __future__ import annotations

from typing import Any, LiteralString, cast

import neo4j
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction, unit_of_work

from shopmind_kg.store.model import (
    LABELS,
    PRODUCT_OWNED,
    REL_TYPES,
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
    aspect_row,
    edge_out,
    intent_row,
    node_id,
    node_out,
    sort_aspects,
    sort_intent_rows,
)

_ALL_LABELS = (*LABELS, "Alias", "Tombstone")
_OWNED = "|".join(PRODUCT_OWNED)
_DERIVED = ("HAS_ASPECT", "OPINION", "REVIEWS")


def _label(label: str) -> str:
    if label not in _ALL_LABELS:
        raise ValueError(f"unknown label {label!r}")
    return label


def _rel(rel_type: str) -> str:
    if rel_type not in REL_TYPES:
        raise ValueError(f"unknown relation type {rel_type!r}")
    return rel_type


def _q(text: str) -> LiteralString:
    # Only ever called on templates filled from the allow-lists above.
    return cast("LiteralString", text)


def _union_expr(target: str, items: str) -> str:
    return (f"coalesce({target}, []) + [z IN {items} WHERE NOT z IN coalesce({target}, [])]")


SCHEMA: tuple[str, ...] = (
    *(f"CREATE CONSTRAINT kg_{label.lower()}_key IF NOT EXISTS FOR (n:{label}) "
      f"REQUIRE n.key IS UNIQUE" for label in _ALL_LABELS),
    "CREATE INDEX kg_review_product IF NOT EXISTS FOR (n:Review) ON (n.product_id)",
    "CREATE INDEX kg_alias_label IF NOT EXISTS FOR (n:Alias) ON (n.alias_label)",
    "CREATE INDEX kg_product_updated IF NOT EXISTS FOR (n:Product) ON (n.updated_at)",
    "CREATE INDEX kg_related_type IF NOT EXISTS FOR ()-[r:RELATED]-() ON (r.type)",
)


class Neo4jGraphStore:
    """The GraphStore on Neo4j 5."""

    backend = "neo4j"

    def __init__(self, uri: str, *, user: str = "neo4j", password: str = "",
                 database: str = "neo4j", query_timeout_s: float = 30.0) -> None:
        self.uri = uri
        self.database = database
        self.query_timeout_s = query_timeout_s
        auth = (user, password) if password else None
        # Notifications (unknown property keys on an empty graph) would flood the logs.
        self.driver = AsyncGraphDatabase.driver(uri, auth=auth,
                                                notifications_min_severity="OFF")

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        await self.driver.verify_connectivity()
        async with self.driver.session(database=self.database) as session:
            for statement in SCHEMA:
                await (await session.run(_q(statement))).consume()
            await (await session.run("CALL db.awaitIndexes(60)")).consume()

    async def close(self) -> None:
        await self.driver.close()

    async def ping(self) -> bool:
        await self.driver.verify_connectivity()
        return True

    async def clear(self) -> None:
        async with self.driver.session(database=self.database) as session:
            await (await session.run(
                "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
            )).consume()

    async def _read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        @unit_of_work(timeout=self.query_timeout_s)
        async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
            result = await tx.run(_q(query), params)
            return [r.data() for r in await result.fetch(1_000_000)]

        async with self.driver.session(database=self.database,
                                       default_access_mode=neo4j.READ_ACCESS) as session:
            return await session.execute_read(work)

    async def _write(self, query: str, **params: Any) -> list[dict[str, Any]]:
        async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
            result = await tx.run(_q(query), params)
            return [r.data() for r in await result.fetch(1_000_000)]

        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(work)

    # -- ingestion ------------------------------------------------------------------------
    async def apply(self, batch: WriteBatch) -> WriteResult:
        async def work(tx: AsyncManagedTransaction) -> WriteResult:
            products = await self._product_states(tx, [p.product_id for p in batch.products])
            reviews = await self._review_states(tx, [r.review_id for r in batch.reviews])
            plan = plan_batch(batch, products, reviews)
            await self._write_plan(tx, plan, batch)
            return plan.result

        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(work)

    # Only ids the graph knows (a node or a tombstone) come back: new ones, the common case,
    # cost no record; the planner treats a missing id as a fresh state.
    async def _product_states(self, tx: AsyncManagedTransaction, ids: list[str]
                              ) -> dict[str, ProductState]:
        if not ids:
            return {}
        result = await tx.run(_q(f"""
            UNWIND $ids AS id
            OPTIONAL MATCH (p:Product {{key: id}})
            OPTIONAL MATCH (t:Tombstone {{key: 'product:' + id}})
            WITH id, p, t WHERE p IS NOT NULL OR t IS NOT NULL
            RETURN id, p.updated_at AS updated_at, t.at AS tombstone_at,
                   CASE WHEN p IS NULL THEN [] ELSE
                     [(p)-[:{_OWNED}]->(n) | [labels(n)[0], n.key]] END AS targets
        """), ids=sorted(set(ids)))
        return {r["id"]: ProductState(updated_at=r["updated_at"], tombstone_at=r["tombstone_at"],
                                      targets=sorted({(t[0], t[1]) for t in r["targets"]}))
                async for r in result}

    async def _review_states(self, tx: AsyncManagedTransaction, ids: list[str]
                             ) -> dict[str, ReviewState]:
        if not ids:
            return {}
        result = await tx.run("""
            UNWIND $ids AS id
            OPTIONAL MATCH (r:Review {key: id})
            OPTIONAL MATCH (t:Tombstone {key: 'review:' + id})
            WITH id, r, t WHERE r IS NOT NULL OR t IS NOT NULL
            RETURN id, r.updated_at AS updated_at, t.at AS tombstone_at,
                   CASE WHEN r IS NULL THEN NULL ELSE
                     head([(r)-[:REVIEWS]->(p) | p.key]) END AS product_id,
                   CASE WHEN r IS NULL THEN [] ELSE
                     [(r)-[o:OPINION]->(a) | {aspect: a.key, polarity: o.polarity,
                      score: o.score, mentions: o.mentions}] END AS opinions,
                   CASE WHEN r IS NULL THEN [] ELSE [(r)-[:MENTIONS]->(e) | e.key] END AS entities
        """, ids=sorted(set(ids)))
        return {r["id"]: ReviewState(updated_at=r["updated_at"], tombstone_at=r["tombstone_at"],
                                     product_id=r["product_id"], opinions=r["opinions"],
                                     entities=r["entities"])
                async for r in result}

    async def _run(self, tx: AsyncManagedTransaction, query: str, **params: Any
                   ) -> neo4j.SummaryCounters:
        result = await tx.run(_q(query), params)
        summary = await result.consume()
        return summary.counters

    async def _write_plan(self, tx: AsyncManagedTransaction, plan: Plan,
                          batch: WriteBatch) -> None:
        res = plan.result
        if plan.product_upserts:
            await self._run(tx, """
                UNWIND $rows AS row
                MERGE (p:Product {key: row.key}) ON CREATE SET p.created_at = row.at
                SET p += row.props, p.name = coalesce(row.props.title, row.key),
                    p.updated_at = row.at, p.source_event_id = row.event_id,
                    p.embedding = row.embedding, p.deleted = false, p.stub = false
            """, rows=plan.product_upserts)
        for (rel_type, label), rows in sorted(plan.product_rels.items()):
            await self._run(tx, f"""
                UNWIND $rows AS row
                MATCH (p:Product {{key: row.pid}})
                MERGE (n:{_label(label)} {{key: row.key}})
                  ON CREATE SET n.name = row.name, n.created_at = row.at, n += row.node_props
                MERGE (p)-[x:{_rel(rel_type)}]->(n)
                SET x.sources = [row.source], x.source_event_id = row.event_id,
                    x.extractor = row.extractor, x.confidence = row.confidence,
                    x.updated_at = row.at
            """, rows=rows)
            res.relations_written += len(rows)
        if plan.product_keep:
            c = await self._run(tx, f"""
                UNWIND $rows AS row
                MATCH (p:Product {{key: row.pid}})-[x:{_OWNED}]->(n)
                WHERE NOT (type(x) + '|' + n.key) IN row.keep
                DELETE x
            """, rows=plan.product_keep)
            res.relations_removed += c.relationships_deleted
        if plan.product_deletes:
            c = await self._run(tx, f"""
                UNWIND $rows AS row
                OPTIONAL MATCH (p:Product {{key: row.key}})
                CALL (p) {{ MATCH (p)-[x:{_OWNED}]->() DELETE x }}
                CALL (p) {{ MATCH (p)-[x:SIMILAR_TO]-() DELETE x }}
                FOREACH (q IN CASE WHEN p IS NULL THEN [] ELSE [p] END |
                  SET q = {{key: q.key, created_at: q.created_at, name: q.key, deleted: true,
                           updated_at: row.at, source_event_id: row.event_id}})
                MERGE (t:Tombstone {{key: 'product:' + row.key}})
                SET t.at = row.at
            """, rows=plan.product_deletes)
            res.relations_removed += c.relationships_deleted
        if plan.taxonomy:
            await self._run(tx, f"""
                UNWIND $rows AS row
                MERGE (c:Category {{key: row.child}})
                  ON CREATE SET c.name = row.child_name, c.created_at = row.at
                MERGE (q:Category {{key: row.parent}})
                  ON CREATE SET q.name = row.parent_name, q.created_at = row.at
                MERGE (c)-[x:SUBCATEGORY_OF]->(q)
                SET x.sources = {_union_expr("x.sources", "[row.source]")},
                    x.source_event_id = row.event_id,
                    x.extractor = coalesce(x.extractor, row.extractor),
                    x.confidence = CASE WHEN x.confidence IS NULL OR row.confidence > x.confidence
                                        THEN row.confidence ELSE x.confidence END,
                    x.updated_at = CASE WHEN x.updated_at IS NULL OR row.at > x.updated_at
                                        THEN row.at ELSE x.updated_at END
            """, rows=plan.taxonomy)
            res.relations_written += len(plan.taxonomy)
        if plan.taxonomy_keep:
            c = await self._run(tx, """
                UNWIND $rows AS row
                MATCH (c:Category)-[x:SUBCATEGORY_OF]->(q:Category)
                WHERE row.source IN x.sources AND NOT (c.key + '|' + q.key) IN row.keep
                SET x.sources = [s IN x.sources WHERE s <> row.source]
                WITH x WHERE size(x.sources) = 0
                DELETE x
            """, rows=plan.taxonomy_keep)
            res.relations_removed += c.relationships_deleted
        if plan.similar_for:
            await self._similar(tx, plan, batch)
        if plan.review_clears:
            c = await self._run(tx, """
                UNWIND $keys AS k
                MATCH (r:Review {key: k})-[x]->()
                DELETE x
            """, keys=plan.review_clears)
            res.relations_removed += c.relationships_deleted
        if plan.review_deletes:
            c = await self._run(tx, """
                UNWIND $rows AS row
                OPTIONAL MATCH (r:Review {key: row.key})
                DETACH DELETE r
                MERGE (t:Tombstone {key: 'review:' + row.key})
                SET t.at = row.at
            """, rows=plan.review_deletes)
            res.relations_removed += c.relationships_deleted
        # A written review's outgoing edges were just cleared (or it is new): CREATE, not MERGE.
        if plan.review_upserts:
            await self._run(tx, """
                UNWIND $rows AS row
                MERGE (p:Product {key: row.pid})
                  ON CREATE SET p.stub = true, p.name = row.pid, p.created_at = row.at
                MERGE (r:Review {key: row.key}) ON CREATE SET r.created_at = row.at
                SET r += row.props, r.product_id = row.pid, r.updated_at = row.at,
                    r.source_event_id = row.event_id
                CREATE (r)-[x:REVIEWS]->(p)
                SET x.sources = ['review:' + row.key], x.source_event_id = row.event_id,
                    x.extractor = 'review', x.confidence = 1.0, x.updated_at = row.at
            """, rows=plan.review_upserts)
            res.relations_written += len(plan.review_upserts)
        if plan.opinions:
            await self._run(tx, """
                UNWIND $rows AS row
                MATCH (r:Review {key: row.rid})
                MERGE (a:Aspect {key: row.aspect})
                  ON CREATE SET a.name = row.name, a.created_at = row.at
                CREATE (r)-[x:OPINION]->(a)
                SET x.sources = [row.source], x.source_event_id = row.event_id,
                    x.extractor = row.extractor, x.confidence = row.confidence,
                    x.updated_at = row.at, x.polarity = row.polarity, x.score = row.score,
                    x.mentions = row.mentions, x.opinion = row.opinion
            """, rows=plan.opinions)
            res.relations_written += len(plan.opinions)
        if plan.review_mentions:
            await self._run(tx, """
                UNWIND $rows AS row
                MATCH (r:Review {key: row.rid})
                MERGE (e:Entity {key: row.key})
                  ON CREATE SET e.name = row.name, e.entity_label = row.label,
                                e.created_at = row.at
                CREATE (r)-[x:MENTIONS]->(e)
                SET x.sources = [row.source], x.source_event_id = row.event_id,
                    x.extractor = row.extractor, x.confidence = row.confidence,
                    x.updated_at = row.at
            """, rows=plan.review_mentions)
            res.relations_written += len(plan.review_mentions)
        if plan.aspect_deltas:
            result = await tx.run(_q(f"""
                UNWIND $rows AS d
                MATCH (p:Product {{key: d.pid}})
                MERGE (a:Aspect {{key: d.aspect}})
                  ON CREATE SET a.name = d.name, a.created_at = d.at
                MERGE (p)-[h:HAS_ASPECT]->(a)
                  ON CREATE SET h.positive = 0, h.negative = 0, h.neutral = 0, h.support = 0,
                                h.mentions = 0, h.score_sum = 0.0, h.sources = []
                SET h.positive = h.positive + d.positive, h.negative = h.negative + d.negative,
                    h.neutral = h.neutral + d.neutral, h.support = h.support + d.support,
                    h.mentions = h.mentions + d.mentions,
                    h.score_sum = round(h.score_sum + d.score_sum, 9)
                WITH h, d, [s IN h.sources WHERE NOT s IN d.remove] AS kept
                SET h.sources = (kept + [s IN d.add WHERE NOT s IN kept])[-{SOURCES_CAP}..],
                    h.mean_score = CASE WHEN h.support > 0 THEN h.score_sum / h.support
                                        ELSE 0.0 END,
                    h.confidence = h.support / (h.support + 1.0),
                    h.extractor = d.extractor, h.updated_at = d.at
                WITH h, h.support <= 0 AS gone
                FOREACH (_ IN CASE WHEN gone THEN [1] ELSE [] END | DELETE h)
                RETURN sum(CASE WHEN gone THEN 1 ELSE 0 END) AS removed,
                       sum(CASE WHEN gone THEN 0 ELSE 1 END) AS written
            """), rows=plan.aspect_deltas)
            row = await result.single()
            if row is not None:
                res.relations_removed += row["removed"]
                res.relations_written += row["written"]
        if plan.aliases:
            at = max([p.occurred_at for p in batch.products]
                     + [r.occurred_at for r in batch.reviews] + [""])
            await self._put_aliases(tx, plan.aliases, at)
        await self._drop_orphans(tx, plan.orphans)

    async def _similar(self, tx: AsyncManagedTransaction, plan: Plan, batch: WriteBatch) -> None:
        c = await self._run(tx, """
            UNWIND $keys AS k
            MATCH (p:Product {key: k})-[x:SIMILAR_TO]-()
            DELETE x
        """, keys=plan.similar_for)
        plan.result.relations_removed += c.relationships_deleted
        # Neo4j's cosine is normalised to [0, 1]; 2s - 1 gives the plain cosine back.
        result = await tx.run("""
            UNWIND $keys AS k
            MATCH (p:Product {key: k})
            CALL (p) {
              MATCH (p)-[:IN_CATEGORY]->(:Category)<-[:IN_CATEGORY]-(q:Product)
              WHERE q <> p AND q.embedding IS NOT NULL
              WITH DISTINCT p, q
              WITH q, round(2 * vector.similarity.cosine(p.embedding, q.embedding) - 1, 6) AS score
              ORDER BY score DESC, q.key
              LIMIT $k
              RETURN q, score
            }
            WITH p, q, score WHERE score >= $min
            WITH CASE WHEN p.key < q.key THEN p ELSE q END AS a,
                 CASE WHEN p.key < q.key THEN q ELSE p END AS b, score
            MERGE (a)-[x:SIMILAR_TO]->(b)
            SET x.score = score, x.sources = ['product:' + a.key, 'product:' + b.key],
                x.extractor = 'usem3-title', x.confidence = score,
                x.updated_at = CASE WHEN a.updated_at > b.updated_at THEN a.updated_at
                                    ELSE b.updated_at END
            RETURN count(x) AS n
        """, keys=plan.similar_for, k=batch.similar_top_k, min=batch.similar_min_score)
        row = await result.single()
        plan.result.relations_written += row["n"] if row is not None else 0

    async def _drop_orphans(self, tx: AsyncManagedTransaction,
                            candidates: list[tuple[str, str]]) -> None:
        by_label: dict[str, list[str]] = {}
        for label, key in candidates:
            by_label.setdefault(label, []).append(key)
        for label, keys in sorted(by_label.items()):
            extra = ("AND (coalesce(n.deleted, false) OR coalesce(n.stub, false))"
                     if label == "Product" else "")
            await self._run(tx, f"""
                UNWIND $keys AS k
                MATCH (n:{_label(label)} {{key: k}})
                WHERE NOT (n)--() {extra}
                DELETE n
            """, keys=keys)

    # -- aliases --------------------------------------------------------------------------
    async def _put_aliases(self, tx: AsyncManagedTransaction, rows: list[dict[str, Any]],
                           at: str) -> None:
        await self._run(tx, """
            UNWIND $rows AS a
            MERGE (x:Alias {key: a.label + '|' + a.alias})
            SET x.alias_label = a.label, x.alias = a.alias, x.canonical = a.canonical,
                x.origin = a.origin, x.score = a.score, x.updated_at = $at
        """, rows=rows, at=at)

    async def put_alias(self, alias: AliasFact, at: str) -> None:
        async def work(tx: AsyncManagedTransaction) -> None:
            await self._put_aliases(tx, [{"label": alias.label, "alias": alias.alias,
                                          "canonical": alias.canonical, "origin": alias.origin,
                                          "score": alias.score}], at)

        async with self.driver.session(database=self.database) as session:
            await session.execute_write(work)

    async def delete_alias(self, label: str, alias: str) -> bool:
        rows = await self._write("""
            MATCH (x:Alias {key: $key}) DELETE x RETURN count(*) AS n
        """, key=f"{label}|{alias}")
        return bool(rows and rows[0]["n"])

    async def aliases(self, label: str | None = None) -> list[dict[str, Any]]:
        rows = await self._read("""
            MATCH (x:Alias) WHERE $label IS NULL OR x.alias_label = $label
            RETURN x.alias_label AS label, x.alias AS alias, x.canonical AS canonical,
                   x.origin AS origin, x.score AS score, x.updated_at AS updated_at
            ORDER BY label, alias
        """, label=label)
        return rows

    async def node_names(self, label: str) -> list[tuple[str, str]]:
        rows = await self._read(f"""
            MATCH (n:{_label(label)}) RETURN n.key AS key, coalesce(n.name, n.key) AS name
            ORDER BY key
        """)
        return [(r["key"], r["name"]) for r in rows]

    # -- merge ----------------------------------------------------------------------------
    async def merge_nodes(self, label: str, source: str, target: str, at: str) -> MergeResult:
        async def work(tx: AsyncManagedTransaction) -> MergeResult:
            return await self._merge(tx, _label(label), source, target, at)

        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(work)

    async def _merge(self, tx: AsyncManagedTransaction, label: str, source: str, target: str,
                     at: str) -> MergeResult:
        out = MergeResult(label=label, source=source, target=target)
        found = await (await tx.run(_q(f"""
            OPTIONAL MATCH (s:{label} {{key: $source}})
            OPTIONAL MATCH (t:{label} {{key: $target}})
            RETURN s IS NOT NULL AS s, t IS NOT NULL AS t
        """), source=source, target=target)).single()
        assert found is not None
        if not found["s"] or not found["t"]:
            raise KeyError(node_id(label, source if not found["s"] else target))
        # Derived HAS_ASPECT edges are dropped and rebuilt from the moved OPINION edges.
        await self._run(tx, _q(f"""
            MATCH (s:{label} {{key: $source}})-[x:HAS_ASPECT]-() DELETE x
        """), source=source)
        present = await (await tx.run(_q(f"""
            MATCH (s:{label} {{key: $source}})-[x]-()
            RETURN DISTINCT type(x) AS type, startNode(x) = s AS outgoing
        """), source=source)).fetch(1000)
        for rel_type, outgoing in sorted((r["type"], r["outgoing"]) for r in present):
            if rel_type in REL_TYPES:
                moved, combined = await self._move(tx, label, rel_type, outgoing, source, target)
                out.relations_moved += moved
                out.relations_combined += combined
        if label == "Aspect":
            await self._run(tx, "MATCH (:Product)-[h:HAS_ASPECT]->(:Aspect {key: $target}) "
                                "DELETE h", target=target)
            await self._run(tx, f"""
                MATCH (a:Aspect {{key: $target}})<-[o:OPINION]-(r:Review)-[:REVIEWS]->(p:Product)
                WITH p, a, r, o ORDER BY p.key, r.key
                WITH p, a, collect(r.key) AS rids, collect(o) AS os
                MERGE (p)-[h:HAS_ASPECT]->(a)
                SET h.positive = size([o IN os WHERE o.polarity = 'positive']),
                    h.negative = size([o IN os WHERE o.polarity = 'negative']),
                    h.neutral = size([o IN os WHERE o.polarity = 'neutral']),
                    h.support = size(os),
                    h.mentions = reduce(m = 0, o IN os | m + o.mentions),
                    h.score_sum = reduce(s = 0.0, o IN os | s + o.score),
                    h.sources = [k IN rids | 'review:' + k][-{SOURCES_CAP}..],
                    h.extractor = coalesce(os[0].extractor, 'nlp'),
                    h.updated_at = reduce(u = '', o IN os |
                                          CASE WHEN o.updated_at > u THEN o.updated_at ELSE u END),
                    h.mean_score = reduce(s = 0.0, o IN os | s + o.score) / size(os),
                    h.confidence = size(os) / (size(os) + 1.0)
            """, target=target)
        await self._run(tx, _q(f"""
            MATCH (t:{label} {{key: $target}})
            SET t.merged_keys = {_union_expr("t.merged_keys", "[$source]")}, t.updated_at = $at
            WITH t
            MATCH (s:{label} {{key: $source}}) DETACH DELETE s
        """), source=source, target=target, at=at)
        rows = await (await tx.run("""
            MATCH (x:Alias) WHERE x.alias_label = $label AND x.canonical = $source
            SET x.canonical = $target, x.updated_at = $at
            RETURN count(x) AS n
        """, label=label, source=source, target=target, at=at)).single()
        out.aliases_repointed = rows["n"] if rows is not None else 0
        await self._put_aliases(tx, [{"label": label, "alias": source, "canonical": target,
                                      "origin": "merge", "score": None}], at)
        return out

    async def _move(self, tx: AsyncManagedTransaction, label: str, rel_type: str,
                    outgoing: bool, source: str, target: str) -> tuple[int, int]:
        pattern = "(s)-[x:{t}]->(o)" if outgoing else "(o)-[x:{t}]->(s)"
        merge_key = " {type: props.type}" if rel_type == "RELATED" else ""
        new_pattern = "(t)-[y:{t}{k}]->(o2)" if outgoing else "(o2)-[y:{t}{k}]->(t)"
        opinion = ""
        if rel_type == "OPINION":
            opinion = """,
                  y.score = (y.score * y.mentions + props.score * props.mentions)
                            / toFloat(CASE WHEN y.mentions + props.mentions > 0
                                      THEN y.mentions + props.mentions ELSE 1 END),
                  y.mentions = y.mentions + props.mentions,
                  y._combined = true"""
        query = f"""
            MATCH (s:{label} {{key: $source}}), (t:{label} {{key: $target}})
            MATCH {pattern.format(t=_rel(rel_type))}
            WITH s, t, x, CASE WHEN o = s THEN t ELSE o END AS o2, properties(x) AS props
            DELETE x
            WITH t, o2, props WHERE o2 <> t
            MERGE {new_pattern.format(t=rel_type, k=merge_key)}
              ON CREATE SET y = props, y.merged_from = [$source], y._new = true
              ON MATCH SET
                  y.sources = {_union_expr("y.sources", "coalesce(props.sources, [])")},
                  y.confidence = CASE WHEN coalesce(props.confidence, 0.0)
                                           > coalesce(y.confidence, 0.0)
                                      THEN props.confidence ELSE coalesce(y.confidence, 0.0) END,
                  y.updated_at = CASE WHEN coalesce(props.updated_at, '')
                                           > coalesce(y.updated_at, '')
                                      THEN props.updated_at ELSE coalesce(y.updated_at, '') END,
                  y.extractor = coalesce(y.extractor, props.extractor),
                  y.merged_from = {_union_expr("y.merged_from", "[$source]")}{opinion}
            WITH y, coalesce(y._new, false) AS created
            SET y.polarity = CASE WHEN coalesce(y._combined, false) THEN
                               CASE WHEN y.score > 0.05 THEN 'positive'
                                    WHEN y.score < -0.05 THEN 'negative' ELSE 'neutral' END
                             ELSE y.polarity END
            REMOVE y._new, y._combined
            RETURN sum(CASE WHEN created THEN 1 ELSE 0 END) AS moved,
                   sum(CASE WHEN created THEN 0 ELSE 1 END) AS combined
        """
        row = await (await tx.run(_q(query), source=source, target=target)).single()
        if row is None:
            return 0, 0
        return int(row["moved"]), int(row["combined"])

    # -- knowledge fusion -----------------------------------------------------------------
    async def import_triples(self, triples: list[TripleFact], source: str, extractor: str,
                             at: str) -> WriteResult:
        groups: dict[tuple[str, str, bool], list[dict[str, Any]]] = {}
        for t in triples:
            taxonomy = t.predicate == "SUBCATEGORY_OF"
            groups.setdefault((t.subject.label, t.object.label, taxonomy), []).append({
                "s_key": t.subject.key, "s_name": t.subject_name, "o_key": t.object.key,
                "o_name": t.object_name, "predicate": t.predicate,
                "confidence": float(t.confidence)})

        async def work(tx: AsyncManagedTransaction) -> None:
            for (s_label, o_label, taxonomy), rows in sorted(groups.items()):
                rel = "SUBCATEGORY_OF" if taxonomy else "RELATED {type: t.predicate}"
                await self._run(tx, f"""
                    UNWIND $rows AS t
                    MERGE (a:{_label(s_label)} {{key: t.s_key}})
                      ON CREATE SET a.name = t.s_name, a.created_at = $at
                    SET a.sources = {_union_expr("a.sources", "[$source]")}
                    MERGE (b:{_label(o_label)} {{key: t.o_key}})
                      ON CREATE SET b.name = t.o_name, b.created_at = $at
                    SET b.sources = {_union_expr("b.sources", "[$source]")}
                    MERGE (a)-[x:{rel}]->(b)
                    SET x.sources = {_union_expr("x.sources", "[$source]")},
                        x.extractor = coalesce(x.extractor, $extractor),
                        x.confidence = CASE WHEN x.confidence IS NULL OR t.confidence > x.confidence
                                            THEN t.confidence ELSE x.confidence END,
                        x.updated_at = CASE WHEN x.updated_at IS NULL OR $at > x.updated_at
                                            THEN $at ELSE x.updated_at END
                """, rows=rows, source=source, extractor=extractor, at=at)

        async with self.driver.session(database=self.database) as session:
            await session.execute_write(work)
        node_ids = sorted({t.subject.id for t in triples} | {t.object.id for t in triples})
        return WriteResult(
            node_ids=node_ids, relations_written=len(triples), source_event_ids=[source],
            product_ids=sorted(n.split(":", 1)[1] for n in node_ids if n.startswith("Product:")))

    async def retract_source(self, source: str) -> WriteResult:
        result = WriteResult(source_event_ids=[source])

        async def work(tx: AsyncManagedTransaction) -> None:
            rows = await (await tx.run("""
                MATCH (a)-[x]->(b)
                WHERE $source IN x.sources AND NOT type(x) IN $derived
                SET x.sources = [s IN x.sources WHERE s <> $source]
                WITH a, b, x, size(x.sources) = 0 AS gone
                FOREACH (_ IN CASE WHEN gone THEN [1] ELSE [] END | DELETE x)
                RETURN labels(a)[0] AS al, a.key AS ak, labels(b)[0] AS bl, b.key AS bk, gone
            """, source=source, derived=list(_DERIVED))).fetch(10_000_000)
            touched = {(r["al"], r["ak"]) for r in rows} | {(r["bl"], r["bk"]) for r in rows}
            result.relations_removed = sum(1 for r in rows if r["gone"])
            nodes = await (await tx.run("""
                MATCH (n) WHERE $source IN n.sources
                WITH n, [s IN n.sources WHERE s <> $source] AS rest
                SET n.sources = CASE WHEN size(rest) = 0 THEN NULL ELSE rest END
                RETURN labels(n)[0] AS label, n.key AS key
            """, source=source)).fetch(10_000_000)
            touched |= {(r["label"], r["key"]) for r in nodes}
            await self._drop_orphans(tx, sorted(t for t in touched if t[0] != "Product"))
            result.node_ids = sorted(node_id(*t) for t in touched)

        async with self.driver.session(database=self.database) as session:
            await session.execute_write(work)
        return result

    # -- queries --------------------------------------------------------------------------
    async def get_node(self, ref: NodeRef) -> dict[str, Any] | None:
        if ref.label not in LABELS:
            return None
        rows = await self._read(f"MATCH (n:{_label(ref.label)} {{key: $key}}) "
                                "RETURN properties(n) AS p", key=ref.key)
        return node_out(ref.label, rows[0]["p"]) if rows else None

    async def neighbourhood(self, ref: NodeRef, limit: int) -> list[dict[str, Any]]:
        rows = await self._read(f"""
            MATCH (n:{_label(ref.label)} {{key: $key}})-[x]-(m)
            WHERE NOT type(x) IN ['OPINION', 'REVIEWS']
            WITH type(x) AS type, CASE WHEN startNode(x) = n THEN 'out' ELSE 'in' END AS direction,
                 properties(x) AS props, labels(m)[0] AS label, properties(m) AS node
            RETURN type, direction, props, label, node
            ORDER BY type, direction, label + ':' + node.key
            LIMIT $limit
        """, key=ref.key, limit=limit)
        out = []
        for r in rows:
            node = node_out(r["label"], r["node"])
            me, other = ref.id, node["id"]
            src, dst = (me, other) if r["direction"] == "out" else (other, me)
            out.append({"type": r["type"], "direction": r["direction"],
                        "properties": edge_out(r["type"], src, dst, r["props"])["properties"],
                        "node": node})
        return out

    async def product_aspects(self, product_id: str) -> list[dict[str, Any]]:
        rows = await self._read("""
            MATCH (:Product {key: $pid})-[h:HAS_ASPECT]->(a:Aspect)
            RETURN a.key AS key, coalesce(a.name, a.key) AS name, properties(h) AS h
        """, pid=product_id)
        return sort_aspects([aspect_row(r["key"], r["name"], r["h"]) for r in rows])

    async def products_by_intent(self, categories: list[str], aspects: list[str],
                                 limit: int) -> list[dict[str, Any]]:
        # Two templates, chosen by which constraints the intent has; both fully parameterised.
        if categories:
            head = """
                MATCH (c:Category) WHERE c.key IN $categories
                MATCH (c)<-[:SUBCATEGORY_OF*0..5]-(:Category)<-[:IN_CATEGORY]-(p:Product)
                WITH DISTINCT p
            """
        else:
            head = "MATCH (p:Product) WITH p"
        rows = await self._read(head + """
            WHERE NOT coalesce(p.deleted, false) AND NOT coalesce(p.stub, false)
            OPTIONAL MATCH (p)-[h:HAS_ASPECT]->(a:Aspect) WHERE a.key IN $aspects
            WITH p, collect(CASE WHEN h IS NULL THEN NULL ELSE
                   {aspect: a.key, name: coalesce(a.name, a.key), positive: h.positive,
                    negative: h.negative, neutral: h.neutral, support: h.support,
                    mean_score: round(h.mean_score, 6)} END) AS matched
            WHERE size($aspects) = 0 OR size(matched) > 0
            WITH p, matched,
                 (reduce(s = 0.0, m IN matched | s + (m.positive + 1.0) / (m.support + 2.0))
                  + 0.5 * (size($aspects) - size(matched)))
                 / CASE WHEN size($aspects) = 0 THEN 1 ELSE size($aspects) END AS score,
                 reduce(t = 0, m IN matched | t + m.support) AS support
            RETURN p.key AS key, coalesce(p.name, p.key) AS name, matched
            ORDER BY score DESC, support DESC, key
            LIMIT $limit
        """, categories=categories, aspects=aspects, limit=limit)
        return sort_intent_rows([intent_row(r["key"], r["name"], r["matched"], len(aspects))
                                 for r in rows])

    async def shortest_path(self, a: NodeRef, b: NodeRef, max_hops: int
                            ) -> dict[str, Any] | None:
        hops = int(max_hops)
        if not 1 <= hops <= 10:
            raise ValueError("max_hops must be between 1 and 10")
        rows = await self._read(f"""
            MATCH (a:{_label(a.label)} {{key: $a}}), (b:{_label(b.label)} {{key: $b}})
            MATCH path = shortestPath((a)-[*..{hops}]-(b))
            RETURN [n IN nodes(path) | [labels(n)[0], properties(n)]] AS nodes,
                   [r IN relationships(path) | [type(r), labels(startNode(r))[0],
                     startNode(r).key, labels(endNode(r))[0], endNode(r).key,
                     properties(r)]] AS rels
            LIMIT 1
        """, a=a.key, b=b.key)
        if not rows:
            return None
        nodes = [node_out(label, props) for label, props in rows[0]["nodes"]]
        edges = [edge_out(t, node_id(sl, sk), node_id(el, ek), props)
                 for t, sl, sk, el, ek, props in rows[0]["rels"]]
        return {"length": len(edges), "nodes": nodes, "edges": edges}

    async def subgraph(self, ref: NodeRef, depth: int, limit: int) -> dict[str, Any]:
        start = await self._read(f"MATCH (n:{_label(ref.label)} {{key: $key}}) "
                                 "RETURN elementId(n) AS eid", key=ref.key)
        if not start:
            return {"nodes": [], "edges": [], "truncated": False}
        seen: list[str] = [start[0]["eid"]]
        seen_set = set(seen)
        frontier = list(seen)
        truncated = False
        for _ in range(depth):
            if not frontier:
                break
            rows = await self._read("""
                UNWIND $frontier AS id
                MATCH (n)-[x]-(m) WHERE elementId(n) = id
                RETURN DISTINCT elementId(m) AS eid, labels(m)[0] + ':' + m.key AS nid
                ORDER BY nid
                LIMIT $cap
            """, frontier=frontier, cap=limit + 1)
            nxt = []
            for r in rows:
                if r["eid"] in seen_set:
                    continue
                if len(seen) >= limit:
                    truncated = True
                    break
                seen.append(r["eid"])
                seen_set.add(r["eid"])
                nxt.append(r["eid"])
            frontier = nxt
        nodes = await self._read("""
            MATCH (n) WHERE elementId(n) IN $ids
            RETURN labels(n)[0] AS label, properties(n) AS props
        """, ids=seen)
        edges = await self._read("""
            MATCH (a)-[x]->(b) WHERE elementId(a) IN $ids AND elementId(b) IN $ids
            RETURN type(x) AS type, labels(a)[0] + ':' + a.key AS source,
                   labels(b)[0] + ':' + b.key AS target, properties(x) AS props
        """, ids=seen)
        node_list = sorted((node_out(r["label"], r["props"]) for r in nodes),
                           key=lambda n: n["id"])
        edge_list = sorted((edge_out(r["type"], r["source"], r["target"], r["props"])
                            for r in edges),
                           key=lambda e: (e["type"], e["source"], e["target"],
                                          e["properties"].get("type", "")))
        return {"nodes": node_list, "edges": edge_list, "truncated": truncated}

    async def stats(self) -> dict[str, Any]:
        # One count per label and type: Neo4j answers these from its count store.
        node_q = " UNION ALL ".join(
            f"MATCH (n:{_label(label)}) RETURN '{label}' AS name, count(n) AS n"
            for label in _ALL_LABELS)
        rel_q = " UNION ALL ".join(
            f"MATCH ()-[r:{_rel(t)}]->() RETURN '{t}' AS name, count(r) AS n" for t in REL_TYPES)
        counts = {r["name"]: r["n"] for r in await self._read(node_q)}
        rels = {r["name"]: r["n"] for r in await self._read(rel_q)}
        nodes = {label: counts.get(label, 0) for label in LABELS}
        rels = {t: rels.get(t, 0) for t in REL_TYPES}
        return {"nodes": nodes, "relations": rels, "aliases": counts.get("Alias", 0),
                "tombstones": counts.get("Tombstone", 0),
                "total_nodes": sum(nodes.values()), "total_relations": sum(rels.values())}

    async def dump(self) -> dict[str, Any]:
        nodes = await self._read("MATCH (n) RETURN labels(n)[0] AS label, properties(n) AS p")
        edges = await self._read("""
            MATCH (a)-[x]->(b)
            RETURN type(x) AS t, labels(a)[0] + ':' + a.key AS s,
                   labels(b)[0] + ':' + b.key AS d, properties(x) AS p
        """)
        return {
            "nodes": sorted(([r["label"], r["p"]] for r in nodes),
                            key=lambda x: (x[0], x[1]["key"])),
            "edges": sorted(([r["t"], r["s"], r["d"], r["p"]] for r in edges),
                            key=lambda e: (e[0], e[1], e[2], e[3].get("type", ""))),
        }

    async def raw_read(self, cypher: str, params: dict[str, Any], timeout_s: float,
                       max_rows: int) -> list[dict[str, Any]]:
        @unit_of_work(timeout=timeout_s)
        async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
            result = await tx.run(_q(cypher), params)
            rows = []
            async for record in result:
                rows.append(record.data())
                if len(rows) >= max_rows:
                    break
            return rows

        # READ access: the server refuses any write in this transaction.
        async with self.driver.session(database=self.database,
                                       default_access_mode=neo4j.READ_ACCESS) as session:
            return await session.execute_read(work)
