"""A batch of reviews resolves its names together, on both backends, with the encoder on."""

from __future__ import annotations

from typing import Any

import pytest
from shopmind_kg.config import KgSettings
from shopmind_kg.context import KgContext
from shopmind_kg.main import create_app
from shopmind_kg.store.model import NodeRef


async def test_near_duplicates_new_in_one_batch_become_one_node(
        ctx: KgContext, events, counting_encoder: Any) -> None:
    encoder = counting_encoder
    ctx.resolver.set_encoder(encoder)   # type: ignore[arg-type]
    await ctx.ingest.handle([events.product("p1", "Dell laptop")])
    encoder.calls.clear()
    batch = [
        events.review("r1", "p1", [("touchscreen", "positive", 0.8)],
                      entities=[("Cooler Master", "org")]),
        events.review("r2", "p1", [("touch screen", "negative", -0.4),
                                   ("fingerprint sensor", "positive", 0.5)],
                      entities=[("cooler master", "org"), ("西瓜", "product")]),
        events.review("r3", "p1", [("Touch-Screen", "positive", 0.6), ("南瓜", "positive", 0.2)]),
    ]
    result = await ctx.ingest.handle(batch)
    # One encoder call per label for the whole batch, each new key once; the short
    # Chinese names (西瓜, 南瓜) merge by exact key only, so they are not encoded.
    assert sorted(map(sorted, encoder.calls)) == [
        ["Cooler Master"], ["fingerprint sensor", "touch screen", "touchscreen"]]
    aspects = {a["aspect"]: a for a in await ctx.store.product_aspects("p1")}
    assert set(aspects) == {"touchscreen", "fingerprint sensor", "南瓜"}
    touch = aspects["touchscreen"]
    assert (touch["support"], touch["positive"], touch["negative"]) == (3, 2, 1)
    assert await ctx.store.get_node(NodeRef("Aspect", "touch screen")) is None
    assert "Aspect:touchscreen" in result.node_ids
    aliases = {(a["alias"], a["canonical"], a["origin"])
               for a in await ctx.store.aliases("Aspect")}
    assert ("touch screen", "touchscreen", "embedding") in aliases
    for key in ("cooler master", "西瓜"):
        assert await ctx.store.get_node(NodeRef("Entity", key)) is not None
    # Replaying the batch decides nothing anew and changes nothing.
    snapshot = await ctx.store.dump()
    await ctx.ingest.handle(batch)
    assert len(encoder.calls) == 2
    assert await ctx.store.dump() == snapshot


async def test_a_bad_event_refuses_the_batch_before_resolving(ctx: KgContext, events) -> None:
    from shopmind_kg.ingest.service import InvalidEvent

    with pytest.raises(InvalidEvent):
        await ctx.ingest.handle([events.review("r1", "p1", [("brand-new aspect", "positive", 1)]),
                                 events.review(" ", "p1", [])])
    assert ctx.resolver.lookup("Aspect", "brand-new aspect") is None


@pytest.mark.parametrize("group", [None, "kg-replay"])
async def test_the_consumer_group_is_a_setting(tmp_path: Any, group: str | None) -> None:
    extra = {"KG_CONSUMER_GROUP": group} if group else {}
    app = create_app(KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None,
                                NEO4J_URI=None, DATABASE_URL=None, KG_EMBEDDINGS_ENABLED=False,
                                KG_USE_NLP=False, **extra))
    async with app.router.lifespan_context(app):
        assert [c.group for c in app.state.runtime.consumers] == [group or "kg"]
