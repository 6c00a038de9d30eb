"""Ingestion from events, on both backends: extraction, idempotence, retraction, publishing."""

from __future__ import annotations

import pytest
from shopmind.events import GRAPH_UPDATED, GraphUpdated
from shopmind_common.events import InProcessBus, decode
from shopmind_kg.context import KgContext
from shopmind_kg.ingest.service import InvalidEvent
from shopmind_kg.store.model import NodeRef


def _rels(dump: dict, rel_type: str) -> dict[str, dict]:
    return {f"{s}->{d}": p for t, s, d, p in dump["edges"] if t == rel_type}


async def test_products_are_extracted_in_chinese_and_english(ctx: KgContext, events) -> None:
    await ctx.ingest.handle([
        events.product("p1", "华为 Mate 60 Pro 智能手机 12GB+512GB 雅川青 6.82英寸 5000mAh",
                       category="数码/手机"),
        events.product("p2", "ＡＰＰＬＥ iPhone 15 Plus 256GB Black smartphone", brand="Apple Inc.",
                       attributes={"Colour": "Black"}),
        events.product("p3", "Cooler Master quiet laptop cooling pad 20W"),
    ])
    dump = await ctx.store.dump()
    brand = _rels(dump, "BRAND")
    assert brand["Product:p1->Brand:huawei"]["extractor"] == "lexicon"
    assert brand["Product:p2->Brand:apple"]["extractor"] == "catalog"
    assert "Product:p3->Brand:cooler-master" in brand
    cats = _rels(dump, "IN_CATEGORY")
    assert set(cats) == {"Product:p1->Category:phone", "Product:p2->Category:phone",
                         "Product:p3->Category:laptop-cooler"}
    assert cats["Product:p1->Category:phone"]["confidence"] == 1.0     # from the catalog path
    assert cats["Product:p2->Category:phone"]["extractor"] == "lexicon"  # from "iPhone" title
    assert set(_rels(dump, "SUBCATEGORY_OF")) == {"Category:phone->Category:electronics"}
    attrs = {k.split("Attribute:")[1] for k in _rels(dump, "HAS_ATTRIBUTE")
             if k.startswith("Product:p1")}
    assert attrs == {"ram=12gb", "storage=512gb", "screen_size=6.82in", "battery=5000mah"}
    p2 = {k.split("Attribute:")[1]: v for k, v in _rels(dump, "HAS_ATTRIBUTE").items()
          if k.startswith("Product:p2")}
    assert p2["colour=black"]["extractor"] == "catalog" and "storage=256gb" in p2


async def test_the_same_events_twice_change_nothing(ctx: KgContext, events) -> None:
    batch = [
        events.product("p1", "小米 Redmi Note 13 手机 8+256G 黑色"),
        events.review("r1", "p1", [("性价比", "positive", 0.8), ("屏幕", "positive", 0.5),
                                   ("性价比", "positive", 0.6)], entities=[("小米", "brand")]),
        events.review("r2", "p1", [("价格", "negative", -0.4)]),
    ]
    first = await ctx.ingest.handle(batch)
    assert first.product_ids == ["p1"] and first.relations_written > 0
    snapshot = await ctx.store.dump()
    await ctx.ingest.handle(batch)
    await ctx.ingest.handle(list(reversed(batch)))
    assert await ctx.store.dump() == snapshot
    aspects = {a["aspect"]: a for a in await ctx.store.product_aspects("p1")}
    # Two mentions of 性价比 in one review: one review's opinion, two mentions.
    assert aspects["value"]["support"] == 1 and aspects["value"]["mentions"] == 2
    assert aspects["value"]["mean_score"] == pytest.approx(0.7)
    assert aspects["price"]["negative"] == 1


async def test_retracted_review_takes_its_aspects_back(ctx: KgContext, events) -> None:
    await ctx.ingest.handle([events.product("p1", "Dell laptop"),
                             events.review("r1", "p1", [("battery", "positive", 0.9)]),
                             events.review("r2", "p1", [("battery", "negative", -0.6),
                                                        ("noise", "negative", -0.5)])])
    await ctx.ingest.handle([events.review("r2", "p1", [], retracted=True, seconds=5)])
    aspects = {a["aspect"]: a for a in await ctx.store.product_aspects("p1")}
    assert set(aspects) == {"battery"}
    assert (aspects["battery"]["positive"], aspects["battery"]["negative"]) == (1, 0)
    assert await ctx.store.get_node(NodeRef("Review", "r2")) is None
    assert await ctx.store.get_node(NodeRef("Aspect", "noise")) is None


async def test_deleted_product_event(ctx: KgContext, events) -> None:
    await ctx.ingest.handle([events.product("p1", "Sony headphones", brand="Sony")])
    await ctx.ingest.handle([events.product("p1", "", deleted=True, seconds=3)])
    assert await ctx.store.get_node(NodeRef("Product", "p1")) is None
    assert await ctx.store.get_node(NodeRef("Brand", "sony")) is None


async def test_a_batch_publishes_graph_updated(ctx: KgContext, kg_app, events) -> None:
    bus = kg_app.state.bus
    assert isinstance(bus, InProcessBus)
    product = events.product("pub-1", "Haier 冰箱")
    review = events.review("pub-r1", "pub-1", [("噪音", "positive", 0.5)])
    await ctx.ingest.handle([product, review])
    # The process bus is shared by the tests: pick this batch's event by its source ids.
    found = [e for e in map(decode, bus.messages(GRAPH_UPDATED))
             if product.event_id in e.payload.source_event_ids]  # type: ignore[attr-defined]
    assert len(found) == 1
    event = found[0]
    payload = event.payload
    assert isinstance(payload, GraphUpdated)
    assert event.key == "pub-1"
    assert list(payload.product_ids) == ["pub-1"]
    assert set(payload.source_event_ids) == {product.event_id, review.event_id}
    assert "Aspect:noise" in payload.node_ids and "Review:pub-r1" in payload.node_ids
    assert payload.relations_written > 0


async def test_events_without_ids_are_refused(ctx: KgContext, events) -> None:
    with pytest.raises(InvalidEvent, match="product_id"):
        await ctx.ingest.handle([events.product("", "no id")])
    with pytest.raises(InvalidEvent, match="review_id"):
        await ctx.ingest.handle([events.review("", "p1", [])])
