"""Query endpoints on both backends: intents in Chinese and English, injection, errors."""

from __future__ import annotations

import httpx
from shopmind_kg.context import KgContext


async def _catalogue(ctx: KgContext, events) -> None:
    await ctx.ingest.handle([
        events.product("phone-a", "小米 Redmi Note 13 智能手机 8+256G"),
        events.product("phone-b", "三星 Galaxy A55 手机 128GB"),
        events.product("laptop-a", "Lenovo ThinkPad laptop 16GB RAM"),
        events.product("cooler-a", "Cooler Master laptop cooling pad"),
        events.product("cooler-b", "酷冷至尊 笔记本散热器 静音"),
        events.review("r1", "phone-a", [("性价比", "positive", 0.9)]),
        events.review("r2", "phone-a", [("性价比", "positive", 0.7)]),
        events.review("r3", "phone-b", [("性价比", "negative", -0.6)]),
        events.review("r4", "laptop-a", [("value for money", "positive", 0.8)]),
        events.review("r5", "cooler-a", [("noise", "positive", 0.8)]),
        events.review("r6", "cooler-b", [("噪音", "negative", -0.7)]),
        events.review("r7", "cooler-b", [("噪音", "negative", -0.5)]),
    ])


async def test_intent_in_chinese(api: httpx.AsyncClient, ctx: KgContext, events) -> None:
    await _catalogue(ctx, events)
    resp = await api.get("/v1/kg/intent", params={"q": "性价比高的手机"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["intent"]["language"] == "zh"
    assert body["intent"]["categories"] == ["phone"]
    assert body["intent"]["aspects"] == ["value"]
    assert [p["product_id"] for p in body["products"]] == ["phone-a", "phone-b"]
    assert body["products"][0]["aspects"][0]["positive"] == 2


async def test_intent_in_english(api: httpx.AsyncClient, ctx: KgContext, events) -> None:
    await _catalogue(ctx, events)
    body = (await api.get("/v1/kg/intent", params={"q": "quiet laptop fan"})).json()
    assert body["intent"]["language"] == "en"
    assert body["intent"]["categories"] == ["laptop-cooler"]
    assert body["intent"]["aspects"] == ["noise"]
    assert [p["product_id"] for p in body["products"]] == ["cooler-a", "cooler-b"]
    # The same aspect asked in English finds the Chinese opinions and the other way round.
    body = (await api.get("/v1/kg/intent", params={"q": "good value phone"})).json()
    assert [p["product_id"] for p in body["products"]] == ["phone-a", "phone-b"]
    body = (await api.get("/v1/kg/intent", params={"q": "静音的笔记本散热器"})).json()
    assert [p["product_id"] for p in body["products"]] == ["cooler-a", "cooler-b"]


async def test_intent_with_nothing_known(api: httpx.AsyncClient, ctx: KgContext, events) -> None:
    await _catalogue(ctx, events)
    body = (await api.get("/v1/kg/intent", params={"q": "zzqx blorf"})).json()
    assert body["products"] == [] and body["intent"]["unmatched"] == ["zzqx", "blorf"]


async def test_cypher_injection_in_parameters_has_no_effect(api: httpx.AsyncClient,
                                                            ctx: KgContext, events) -> None:
    await _catalogue(ctx, events)
    before = await ctx.store.dump()
    attacks = [
        "x' OR 1=1 WITH 1 AS x MATCH (n) DETACH DELETE n //",
        "x\"}) MATCH (n) DETACH DELETE n RETURN 1 //",
        "phone-a` DETACH DELETE n //",
    ]
    for attack in attacks:
        resp = await api.get(f"/v1/kg/products/{attack}/aspects")
        assert resp.status_code == 404, resp.text
        resp = await api.get("/v1/kg/intent", params={"q": "手机 " + attack})
        assert resp.status_code == 200
        resp = await api.get("/v1/kg/subgraph", params={"node": f"Product:{attack}"})
        assert resp.status_code == 404
    # A label is never taken from the request: only the known labels are accepted.
    resp = await api.get("/v1/kg/path", params={
        "source": "Product) DETACH DELETE (n:Product:phone-a", "target": "Product:phone-b"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "query.source"
    resp = await api.get("/v1/kg/path", params={"source": "Product:phone-a",
                                                 "target": "Product:phone-b",
                                                 "max_hops": "3]-(b) DETACH DELETE b //"})
    assert resp.status_code == 422
    assert await ctx.store.dump() == before


async def test_product_endpoints(api: httpx.AsyncClient, ctx: KgContext, events) -> None:
    await _catalogue(ctx, events)
    aspects = (await api.get("/v1/kg/products/phone-a/aspects")).json()
    assert aspects["aspects"][0]["aspect"] == "value"
    assert aspects["aspects"][0]["sentiment"] == "positive"
    assert aspects["aspects"][0]["sources"] == ["review:r1", "review:r2"]
    near = (await api.get("/v1/kg/products/phone-a/neighbourhood")).json()
    assert {r["node"]["id"] for r in near["relations"]} >= {"Brand:xiaomi", "Category:phone",
                                                           "Aspect:value"}
    path = (await api.get("/v1/kg/path", params={"source": "Brand:xiaomi",
                                                 "target": "Brand:samsung"})).json()
    assert path["found"] and path["length"] == 4
    assert path["nodes"][2]["id"] in ("Category:phone", "Aspect:value")
    sub = (await api.get("/v1/kg/subgraph", params={"node": "category:phone", "depth": 1})).json()
    assert {n["id"] for n in sub["nodes"]} == {"Category:phone", "Product:phone-a",
                                               "Product:phone-b"}
    assert all(set(e) == {"type", "source", "target", "properties"} for e in sub["edges"])
    stats = (await api.get("/v1/kg/stats")).json()
    assert stats["nodes"]["Product"] == 5 and stats["nodes"]["Review"] == 7
    node = (await api.get("/v1/kg/nodes/Brand:xiaomi")).json()
    assert node["node"]["name"] == "Xiaomi"


async def test_bad_requests_name_the_field(api: httpx.AsyncClient) -> None:
    resp = await api.get("/v1/kg/products/none/aspects")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    resp = await api.get("/v1/kg/subgraph", params={"node": "Planet:earth"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "query.node"
    resp = await api.get("/v1/kg/subgraph", params={"node": "Brand:x", "depth": 9})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "query.depth"
    resp = await api.get("/v1/kg/intent")
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "query.q"
