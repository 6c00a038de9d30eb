"""Alias and merge endpoints on both backends."""

from __future__ import annotations

import httpx
from shopmind_kg.context import KgContext
from shopmind_kg.store.model import NodeRef


async def test_merge_endpoint_moves_relations(api: httpx.AsyncClient, ctx: KgContext,
                                              events) -> None:
    await ctx.ingest.handle([events.product("p1", "phone", brand="Globex Intl"),
                             events.product("p2", "phone", brand="Globex")])
    resp = await api.post("/v1/kg/entities/merge", json={
        "label": "Brand", "source": "globex intl", "target": "globex"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["relations_moved"] == 1
    assert await ctx.store.get_node(NodeRef("Brand", "globex intl")) is None
    near = (await api.get("/v1/kg/nodes/Brand:globex")).json()
    moved = {r["node"]["id"]: r["properties"] for r in near["relations"]}
    assert moved["Product:p1"]["merged_from"] == ["globex intl"]
    assert moved["Product:p1"]["sources"] == ["product:p1"]
    # The merged name keeps resolving to the survivor.
    await ctx.ingest.handle([events.product("p3", "phone", brand="GLOBEX INTL.")])
    dump = await ctx.store.dump()
    assert ["BRAND", "Product:p3", "Brand:globex"] in [e[:3] for e in dump["edges"]]
    resp = await api.post("/v1/kg/entities/merge", json={
        "label": "Brand", "source": "nope", "target": "globex"})
    assert resp.status_code == 404
    resp = await api.post("/v1/kg/entities/merge", json={
        "label": "Planet", "source": "a", "target": "b"})
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "body.label"


async def test_user_aliases(api: httpx.AsyncClient, ctx: KgContext, events) -> None:
    await ctx.ingest.handle([events.product("p1", "手机", brand="Initech"),
                             events.product("p2", "手机", brand="英尼泰克")])
    # The alias already exists as a node: it is merged into the canonical one.
    resp = await api.put("/v1/kg/aliases", json={"label": "Brand", "alias": "英尼泰克",
                                                 "canonical": "Initech"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["alias"] == {"label": "Brand", "alias": "英尼泰克", "canonical": "initech",
                             "origin": "user", "score": None,
                             "updated_at": body["alias"]["updated_at"]}
    assert body["merged"]["relations_moved"] == 1
    await ctx.ingest.handle([events.product("p3", "手机", brand="英尼泰克")])
    resolved = (await api.get("/v1/kg/resolve", params={"label": "Brand", "name": "英尼泰克"})
                ).json()
    assert (resolved["key"], resolved["how"]) == ("initech", "alias")
    aliases = (await api.get("/v1/kg/aliases", params={"label": "Brand"})).json()
    assert [a["alias"] for a in aliases] == ["英尼泰克"]
    assert (await api.delete("/v1/kg/aliases/Brand/英尼泰克")).status_code == 204
    assert (await api.delete("/v1/kg/aliases/Brand/英尼泰克")).status_code == 404
    resp = await api.put("/v1/kg/aliases", json={"label": "Brand", "alias": "!!",
                                                 "canonical": "x"})
    assert resp.status_code == 400


async def test_dedupe_needs_the_encoder(api: httpx.AsyncClient) -> None:
    resp = await api.post("/v1/kg/entities/dedupe", json={"label": "Brand"})
    assert resp.status_code == 503
