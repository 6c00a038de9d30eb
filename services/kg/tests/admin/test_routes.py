"""Raw Cypher: admin scope only, read-only, with a timeout."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from shopmind_common.identity import Caller, sign_caller
from shopmind_kg.main import create_app

SECRET = "test-secret"


def _headers(*scopes: str) -> dict[str, str]:
    return sign_caller(Caller(subject="ops", scopes=frozenset(scopes), kind="api_key"), SECRET)


async def test_raw_cypher_needs_the_admin_scope(api: httpx.AsyncClient) -> None:
    body = {"query": "RETURN 1 AS one"}
    resp = await api.post("/v1/kg/cypher", json=body)
    assert resp.status_code == 401
    resp = await api.post("/v1/kg/cypher", json=body, headers=_headers("kg:read"))
    assert resp.status_code == 403
    forged = {**_headers("admin"), "x-shopmind-caller-sig": "0" * 64}
    assert (await api.post("/v1/kg/cypher", json=body, headers=forged)).status_code == 401


@pytest.mark.neo4j
async def test_raw_cypher_is_read_only_and_bounded(neo4j_uri: str, tmp_path: Any,
                                                   request: pytest.FixtureRequest,
                                                   events) -> None:
    from shopmind_kg.config import KgSettings

    settings = KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None,
                          NEO4J_URI=neo4j_uri, DATABASE_URL=None, KG_EMBEDDINGS_ENABLED=False,
                          KG_USE_NLP=False, SHOPMIND_INTERNAL_SECRET=SECRET,
                          KG_RAW_CYPHER_TIMEOUT_S=0.5, KG_RAW_CYPHER_MAX_ROWS=3)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        ctx = app.state.kg
        await ctx.store.clear()
        await ctx.ingest.handle([events.product(f"p{i}", "手机", brand="Acme") for i in range(5)])
        admin = _headers("admin")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as api:
            resp = await api.post("/v1/kg/cypher", headers=admin, json={
                "query": "MATCH (p:Product)-[:BRAND]->(b:Brand {key: $brand}) "
                         "RETURN p.key AS id ORDER BY id", "params": {"brand": "acme"}})
            assert resp.status_code == 200, resp.text
            assert resp.json() == {"rows": [{"id": "p0"}, {"id": "p1"}, {"id": "p2"}],
                                   "truncated": True}
            before = await ctx.store.dump()
            resp = await api.post("/v1/kg/cypher", headers=admin,
                                  json={"query": "MATCH (n) DETACH DELETE n"})
            assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
            assert await ctx.store.dump() == before
            resp = await api.post("/v1/kg/cypher", headers=admin, json={
                "query": "UNWIND range(1, 100000000) AS x WITH x WHERE x % 7 = 3 "
                         "RETURN count(x) AS n"})
            assert resp.status_code == 504 and resp.json()["error"]["code"] == "query_timeout"
            resp = await api.post("/v1/kg/cypher", headers=admin, json={"query": "MATCH (n"})
            assert resp.status_code == 400
            assert resp.json()["error"]["details"][0]["field"] == "body.query"
        await ctx.store.clear()


async def test_raw_cypher_on_the_embedded_store(tmp_path: Any) -> None:
    from shopmind_kg.config import KgSettings

    app = create_app(KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None,
                                NEO4J_URI=None, DATABASE_URL=None, KG_EMBEDDINGS_ENABLED=False,
                                KG_USE_NLP=False, SHOPMIND_INTERNAL_SECRET=SECRET))
    transport = httpx.ASGITransport(app=app)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url="http://test") as api):
        resp = await api.post("/v1/kg/cypher", headers=_headers("admin"),
                              json={"query": "RETURN 1"})
        assert resp.status_code == 409 and resp.json()["error"]["code"] == "backend_unsupported"
