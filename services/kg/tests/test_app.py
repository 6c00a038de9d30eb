from __future__ import annotations

from typing import Any

import httpx
from shopmind_common.testing import check_platform_endpoints, check_unknown_route
from shopmind_kg.config import KgSettings
from shopmind_kg.main import create_app


async def test_health_ready_info_metrics(client: httpx.AsyncClient) -> None:
    answers = await check_platform_endpoints(client, "kg")
    info = answers["info"]
    assert info["backends"]["graph"] == "embedded"
    assert info["models"]["segmenter"]["status"] == "ready"


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    await check_unknown_route(client, "/v1/kg/does-not-exist")


async def test_with_the_encoder(tmp_path: Any, events) -> None:
    """The encoder loads at start-up; it links near-duplicates and similar products."""
    settings = KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None, NEO4J_URI=None,
                          DATABASE_URL=None, KG_USE_NLP=False, KG_SIMILAR_MIN_SCORE=0.5)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        ctx = app.state.kg
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as api:
            info = (await api.get("/info")).json()
            assert info["models"]["encoder"]["status"] == "ready"
            assert info["models"]["encoder"]["dim"] == 512
            await ctx.ingest.handle([
                events.product("p1", "Huawei Mate 60 smartphone", category="phone"),
                events.product("p2", "华为 Mate 60 智能手机", category="phone"),
                events.product("p3", "Nike running shoes", category="phone"),
                events.review("r1", "p1", [("charging speed", "positive", 0.7)]),
                events.review("r2", "p2", [("充电速度", "negative", -0.6)]),
            ])
            dump = await ctx.store.dump()
            similar = [e[1:3] for e in dump["edges"] if e[0] == "SIMILAR_TO"]
            assert ["Product:p1", "Product:p2"] in similar
            assert not any("Product:p3" in pair for pair in similar)
            # 充电速度 resolved to the existing English aspect by embedding similarity.
            aspects = {a["aspect"]: a for a in await ctx.store.product_aspects("p2")}
            assert set(aspects) == {"charging speed"}
            aliases = (await api.get("/v1/kg/aliases", params={"label": "Aspect"})).json()
            assert aliases[0]["alias"] == "充电速度" and aliases[0]["origin"] == "embedding"
            # Near-duplicates that got into the graph (written while the encoder was off)
            # are listed, then merged on request.
            encoder, ctx.resolver.encoder = ctx.resolver.encoder, None
            await ctx.ingest.handle([events.product("p4", "x", brand="Touchscreen Labs"),
                                     events.product("p5", "x", brand="Touch Screen Labs")])
            ctx.resolver.encoder = encoder
            await ctx.entities.refresh()
            listed = (await api.post("/v1/kg/entities/dedupe", json={"label": "Brand"})).json()
            assert listed["merged"] == []
            assert [(p["source"], p["target"]) for p in listed["pairs"]] == [
                ("touch screen labs", "touchscreen labs")]
            done = (await api.post("/v1/kg/entities/dedupe",
                                   json={"label": "Brand", "apply": True})).json()
            assert [m["relations_moved"] for m in done["merged"]] == [1]
            brands = {e[2] for e in (await ctx.store.dump())["edges"] if e[0] == "BRAND"}
            assert brands == {"Brand:huawei", "Brand:nike", "Brand:touchscreen labs"}

async def test_embedded_graph_survives_a_restart(tmp_path: Any, events) -> None:
    settings = KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None, NEO4J_URI=None,
                          DATABASE_URL=None, KG_EMBEDDINGS_ENABLED=False, KG_USE_NLP=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        await app.state.kg.ingest.handle([events.product("p1", "Sony headphones")])
        before = await app.state.kg.store.dump()
    assert (tmp_path / "kg-graph.json").exists()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert await app.state.kg.store.dump() == before
        assert app.state.kg.resolver.lookup("Brand", "SONY").how == "lexicon"
