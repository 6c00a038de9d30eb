"""The GraphStore contract: every test runs on the embedded store and on Neo4j."""

from __future__ import annotations

from typing import Any

import pytest
from shopmind_kg.store import EmbeddedGraphStore, GraphStore, Neo4jGraphStore
from shopmind_kg.store.model import AliasFact, NodeRef, TripleFact


def _edges(dump: dict[str, Any], rel_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [(s, d, p) for t, s, d, p in dump["edges"] if t == rel_type]


def _node_ids(dump: dict[str, Any]) -> set[str]:
    return {f"{label}:{props['key']}" for label, props in dump["nodes"]}


async def test_product_relations_carry_provenance(store: GraphStore, facts) -> None:
    result = await store.apply(facts.batch(facts.product("p1", attrs={"storage": "256gb"})))
    assert result.product_ids == ["p1"]
    assert result.relations_written == 3
    dump = await store.dump()
    brand = _edges(dump, "BRAND")
    assert [(s, d) for s, d, _ in brand] == [("Product:p1", "Brand:acme")]
    props = brand[0][2]
    assert props["sources"] == ["product:p1"]
    assert props["source_event_id"] == "ev-p1-0"
    assert props["extractor"] == "catalog"
    assert props["confidence"] == 1.0
    assert props["updated_at"] == "2024-05-01T00:00:00.000000Z"
    attr = _edges(dump, "HAS_ATTRIBUTE")[0]
    assert attr[1] == "Attribute:storage=256gb" and attr[2]["extractor"] == "regex"


async def test_replaying_a_batch_changes_nothing(store: GraphStore, facts) -> None:
    batch = facts.batch(
        facts.product("p1", attrs={"colour": "black"}), facts.product("p2", brand="other"),
        facts.review("r1", "p1", [("value", "positive", 0.8), ("screen", "negative", -0.4)],
                     mentions=("huawei",)),
        facts.review("r2", "p1", [("value", "positive", 0.6)]))
    await store.apply(batch)
    first = await store.dump()
    await store.apply(batch)
    await store.apply(batch)
    assert await store.dump() == first
    aspects = {a["aspect"]: a for a in await store.product_aspects("p1")}
    assert aspects["value"]["positive"] == 2 and aspects["value"]["support"] == 2
    assert aspects["value"]["sources"] == ["review:r1", "review:r2"]


async def test_reupsert_replaces_what_the_product_said(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(facts.product("p1", brand="acme", attrs={"ram": "8gb"})))
    await store.apply(facts.batch(facts.product("p1", brand="globex", seconds=10)))
    dump = await store.dump()
    assert [d for _, d, _ in _edges(dump, "BRAND")] == ["Brand:globex"]
    assert _edges(dump, "HAS_ATTRIBUTE") == []
    # The brand and attribute nobody points at any more are gone with their relations.
    assert "Brand:acme" not in _node_ids(dump) and "Attribute:ram=8gb" not in _node_ids(dump)


async def test_an_older_event_does_not_overwrite_a_newer_one(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(facts.product("p1", brand="globex", seconds=10)))
    result = await store.apply(facts.batch(facts.product("p1", brand="acme", seconds=5)))
    assert result.skipped_stale == 1 and result.product_ids == []
    dump = await store.dump()
    assert [d for _, d, _ in _edges(dump, "BRAND")] == ["Brand:globex"]


async def test_reprocessed_review_replaces_its_contribution(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(facts.product("p1")))
    await store.apply(facts.batch(
        facts.review("r1", "p1", [("value", "positive", 0.8)]),
        facts.review("r2", "p1", [("value", "negative", -0.6)])))
    # nlp re-analysed r1: now negative on value and positive on battery.
    await store.apply(facts.batch(
        facts.review("r1", "p1", [("value", "negative", -0.2), ("battery", "positive", 0.9)],
                     seconds=5)))
    aspects = {a["aspect"]: a for a in await store.product_aspects("p1")}
    assert (aspects["value"]["positive"], aspects["value"]["negative"]) == (0, 2)
    assert aspects["value"]["support"] == 2
    assert aspects["value"]["mean_score"] == pytest.approx(-0.4)
    assert aspects["battery"]["positive"] == 1 and aspects["battery"]["sources"] == ["review:r1"]


async def test_retracting_a_review_removes_exactly_its_contribution(store: GraphStore,
                                                                     facts) -> None:
    await store.apply(facts.batch(facts.product("p1")))
    await store.apply(facts.batch(facts.review("r2", "p1", [("value", "positive", 0.4)])))
    before = await store.dump()
    await store.apply(facts.batch(
        facts.review("r1", "p1", [("value", "positive", 0.8), ("noise", "negative", -0.7)],
                     mentions=("huawei",), seconds=1)))
    aspects = {a["aspect"]: a for a in await store.product_aspects("p1")}
    assert aspects["value"]["support"] == 2 and aspects["noise"]["negative"] == 1
    result = await store.apply(facts.batch(facts.review("r1", "p1", [], retracted=True,
                                                        seconds=2)))
    assert result.relations_removed >= 4
    aspects = {a["aspect"]: a for a in await store.product_aspects("p1")}
    assert set(aspects) == {"value"}
    assert aspects["value"]["support"] == 1 and aspects["value"]["sources"] == ["review:r2"]
    after = await store.dump()
    assert [n for n in after["nodes"] if n[0] != "Tombstone"] == before["nodes"]
    # Everything is as before r1, except that the aspect was last updated by the retraction.
    for edge in after["edges"]:
        if edge[0] == "HAS_ASPECT":
            assert edge[3].pop("updated_at") == facts.at(2)
    for edge in before["edges"]:
        if edge[0] == "HAS_ASPECT":
            edge[3].pop("updated_at")
    assert after["edges"] == before["edges"]
    after = await store.dump()
    # A late redelivery of the review's older enrichment does not bring it back.
    late = await store.apply(facts.batch(facts.review("r1", "p1", [("value", "positive", 0.8)],
                                                      seconds=1)))
    assert late.skipped_stale == 1
    assert await store.dump() == after


async def test_deleting_a_product_removes_its_contributions(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(facts.product("p1", attrs={"ram": "8gb"}),
                                  facts.product("p2"),
                                  facts.review("r1", "p1", [("value", "positive", 0.5)])))
    await store.apply(facts.batch(facts.product("p1", deleted=True, seconds=5)))
    dump = await store.dump()
    assert [s for s, _, _ in _edges(dump, "BRAND")] == ["Product:p2"]
    assert _edges(dump, "HAS_ATTRIBUTE") == []
    assert "Attribute:ram=8gb" not in _node_ids(dump)
    assert "Brand:acme" in _node_ids(dump)   # p2 still points at it
    # The review's own contribution stays on a stub that no query returns as a product.
    assert await store.products_by_intent(["phone"], [], 10) == [
        {"product_id": "p2", "name": "Product p2", "score": 0.0, "support": 0, "aspects": []}]
    # A product deleted with no reviews disappears entirely.
    await store.apply(facts.batch(facts.product("p2", deleted=True, seconds=5)))
    assert "Product:p2" not in _node_ids(await store.dump())
    # A newer upsert brings a deleted product back.
    await store.apply(facts.batch(facts.product("p1", seconds=9)))
    assert await store.get_node(NodeRef("Product", "p1")) is not None
    assert [s for s, _, _ in _edges(await store.dump(), "BRAND")] == ["Product:p1"]


async def test_merge_moves_relations_and_keeps_provenance(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(facts.product("p1", brand="apple-inc"),
                                  facts.product("p2", brand="apple")))
    await store.put_alias(AliasFact("Brand", "apple computer", "apple-inc", "user"), facts.at(1))
    result = await store.merge_nodes("Brand", "apple-inc", "apple", facts.at(2))
    assert (result.relations_moved, result.aliases_repointed) == (1, 1)
    dump = await store.dump()
    brand = {s: p for s, d, p in _edges(dump, "BRAND") if d == "Brand:apple"}
    assert set(brand) == {"Product:p1", "Product:p2"}
    assert brand["Product:p1"]["sources"] == ["product:p1"]
    assert brand["Product:p1"]["merged_from"] == ["apple-inc"]
    assert "Brand:apple-inc" not in _node_ids(dump)
    node = await store.get_node(NodeRef("Brand", "apple"))
    assert node is not None and node["properties"]["merged_keys"] == ["apple-inc"]
    aliases = {(a["alias"], a["canonical"], a["origin"]) for a in await store.aliases("Brand")}
    assert aliases == {("apple computer", "apple", "user"), ("apple-inc", "apple", "merge")}
    with pytest.raises(KeyError):
        await store.merge_nodes("Brand", "nope", "apple", facts.at(3))


async def test_merging_aspects_recounts_from_review_opinions(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(
        facts.product("p1"),
        facts.review("r1", "p1", [("price", "positive", 0.6), ("cost", "positive", 0.2)]),
        facts.review("r2", "p1", [("cost", "negative", -0.8)])))
    result = await store.merge_nodes("Aspect", "cost", "price", facts.at(5))
    assert result.relations_combined == 1   # r1 had an opinion on both
    aspects = await store.product_aspects("p1")
    assert [a["aspect"] for a in aspects] == ["price"]
    price = aspects[0]
    assert price["support"] == 2 and price["mentions"] == 3
    assert (price["positive"], price["negative"]) == (1, 1)
    assert price["sources"] == ["review:r1", "review:r2"]
    # Re-processing r1 after the merge still counts it once.
    await store.apply(facts.batch(facts.review("r1", "p1", [("price", "positive", 0.4)],
                                               seconds=9)))
    price = (await store.product_aspects("p1"))[0]
    assert price["support"] == 2 and price["mean_score"] == pytest.approx(-0.2)


async def test_intent_constraints_rank_products(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(
        facts.product("good", category="phone"), facts.product("meh", category="phone"),
        facts.product("laptop", category="laptop"), facts.product("none", category="phone"),
        facts.review("r1", "good", [("value", "positive", 0.9)]),
        facts.review("r2", "good", [("value", "positive", 0.7)]),
        facts.review("r3", "meh", [("value", "negative", -0.5)]),
        facts.review("r4", "laptop", [("value", "positive", 0.9)])))
    rows = await store.products_by_intent(["phone"], ["value"], 10)
    assert [r["product_id"] for r in rows] == ["good", "meh"]
    assert rows[0]["score"] == pytest.approx(0.75) and rows[0]["support"] == 2
    assert rows[0]["aspects"][0]["positive"] == 2
    # A parent category answers for its children.
    await store.import_triples([TripleFact(NodeRef("Category", "phone"), "phone",
                                           "SUBCATEGORY_OF", NodeRef("Category", "electronics"),
                                           "electronics")], "import:tax", "import:csv", facts.at(1))
    rows = await store.products_by_intent(["electronics"], ["value"], 10)
    assert [r["product_id"] for r in rows] == ["good", "meh"]
    assert [r["product_id"] for r in await store.products_by_intent([], ["value"], 10)] == [
        "good", "laptop", "meh"]


async def test_paths_subgraphs_neighbourhoods_and_stats(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(facts.product("p1", brand="acme"),
                                  facts.product("p2", brand="acme", category="tablet"),
                                  facts.review("r1", "p1", [("value", "positive", 0.5)])))
    path = await store.shortest_path(NodeRef("Product", "p1"), NodeRef("Category", "tablet"), 6)
    assert path is not None and path["length"] == 3
    assert path["nodes"][0]["id"] == "Product:p1" and path["nodes"][-1]["id"] == "Category:tablet"
    assert await store.shortest_path(NodeRef("Product", "p1"), NodeRef("Category", "tablet"),
                                     2) is None
    sub = await store.subgraph(NodeRef("Brand", "acme"), 1, 100)
    assert [n["id"] for n in sub["nodes"]] == ["Brand:acme", "Product:p1", "Product:p2"]
    assert {(e["source"], e["target"]) for e in sub["edges"]} == {
        ("Product:p1", "Brand:acme"), ("Product:p2", "Brand:acme")}
    assert not sub["truncated"]
    near = await store.neighbourhood(NodeRef("Product", "p1"), 50)
    assert [(r["type"], r["node"]["id"]) for r in near] == [
        ("BRAND", "Brand:acme"), ("HAS_ASPECT", "Aspect:value"), ("IN_CATEGORY", "Category:phone")]
    stats = await store.stats()
    assert stats["nodes"]["Product"] == 2 and stats["nodes"]["Review"] == 1
    assert stats["relations"]["BRAND"] == 2 and stats["relations"]["OPINION"] == 1
    assert stats["relations"]["SIMILAR_TO"] == 0


async def test_similar_products_from_embeddings(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(
        facts.product("a", embedding=(1.0, 0.0, 0.0)),
        facts.product("b", embedding=(0.9, 0.1, 0.0)),
        facts.product("c", embedding=(0.0, 1.0, 0.0)),
        facts.product("d", category="laptop", embedding=(1.0, 0.0, 0.0)),
        similar_top_k=3, similar_min_score=0.8))
    sim = _edges(await store.dump(), "SIMILAR_TO")
    assert [(s, d) for s, d, _ in sim] == [("Product:a", "Product:b")]
    assert sim[0][2]["score"] == pytest.approx(0.993884, abs=1e-5)
    assert sim[0][2]["sources"] == ["product:a", "product:b"]
    # c moves next to a: the pairs are recomputed for it.
    await store.apply(facts.batch(facts.product("c", embedding=(0.95, 0.05, 0.0), seconds=5),
                                  similar_top_k=3, similar_min_score=0.8))
    pairs = {(s, d) for s, d, _ in _edges(await store.dump(), "SIMILAR_TO")}
    assert pairs == {("Product:a", "Product:b"), ("Product:a", "Product:c"),
                     ("Product:b", "Product:c")}


async def test_import_and_retract_a_source(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(facts.product("p1", brand="apple")))
    triples = [
        TripleFact(NodeRef("Brand", "apple"), "Apple", "founded_by",
                   NodeRef("Entity", "steve jobs"), "Steve Jobs", 0.9),
        TripleFact(NodeRef("Category", "phone"), "phone", "SUBCATEGORY_OF",
                   NodeRef("Category", "electronics"), "electronics"),
    ]
    result = await store.import_triples(triples, "import:wiki", "import:ntriples", facts.at(1))
    assert result.relations_written == 2
    await store.import_triples(triples[:1], "import:registry", "import:csv", facts.at(2))
    dump = await store.dump()
    related = _edges(dump, "RELATED")
    assert related[0][2]["type"] == "founded_by"
    assert related[0][2]["sources"] == ["import:wiki", "import:registry"]
    assert related[0][2]["confidence"] == 0.9
    await store.retract_source("import:wiki")
    dump = await store.dump()
    assert _edges(dump, "RELATED")[0][2]["sources"] == ["import:registry"]
    assert _edges(dump, "SUBCATEGORY_OF") == []
    assert "Category:electronics" not in _node_ids(dump)
    assert "Category:phone" in _node_ids(dump)   # products still point at it
    await store.retract_source("import:registry")
    dump = await store.dump()
    assert _edges(dump, "RELATED") == [] and "Entity:steve jobs" not in _node_ids(dump)
    assert [d for _, d, _ in _edges(dump, "BRAND")] == ["Brand:apple"]


async def test_a_failed_batch_leaves_the_graph_unchanged(store: GraphStore, facts) -> None:
    await store.apply(facts.batch(facts.product("p1")))
    before = await store.dump()
    bad = facts.product("p2", brand="x")
    bad = type(bad)(**{**bad.__dict__, "rels": (type(bad.rels[0])("NOPE", "k", "k", "x", 1.0),)})
    with pytest.raises(KeyError):
        await store.apply(facts.batch(facts.product("p3"), bad))
    assert await store.dump() == before


@pytest.mark.neo4j
async def test_both_stores_build_the_same_graph(neo4j_uri: str, facts) -> None:
    batches = [
        facts.batch(facts.product("p1", attrs={"ram": "8gb"}, embedding=(1.0, 0.0)),
                    facts.product("p2", brand="b2", embedding=(0.9, 0.2)),
                    facts.review("r1", "p1", [("value", "positive", 0.8)], mentions=("x",)),
                    facts.review("r2", "p2", [("value", "negative", -0.3)]),
                    similar_top_k=2, similar_min_score=0.5),
        facts.batch(facts.review("r1", "p1", [("battery", "neutral", 0.0)], seconds=3),
                    facts.product("p2", deleted=True, seconds=4),
                    facts.review("r3", "p3", [("value", "positive", 0.1)], seconds=4)),
    ]
    dumps = []
    for graph in (EmbeddedGraphStore(), Neo4jGraphStore(neo4j_uri)):
        await graph.start()
        await graph.clear()
        for batch in batches:
            await graph.apply(batch)
        await graph.merge_nodes("Aspect", "battery", "value", facts.at(9))
        dumps.append(await graph.dump())
        await graph.clear()
        await graph.close()
    embedded, neo = dumps
    assert embedded["nodes"] == neo["nodes"]
    assert [e[:3] for e in embedded["edges"]] == [e[:3] for e in neo["edges"]]
    for a, b in zip(embedded["edges"], neo["edges"], strict=True):
        assert a[3] == pytest.approx(b[3]) if a[0] == "SIMILAR_TO" else a[3] == b[3]
