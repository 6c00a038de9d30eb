"""Importing N-Triples and CSV triples, linked by the resolution rules, and retracting them."""

from __future__ import annotations

import httpx
from shopmind_kg.context import KgContext
from shopmind_kg.fusion.parse import parse_csv, parse_ntriples

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
KB = "http://kb.example/"
NT = f"""\
# a brand registry excerpt
<{KB}brand/Apple_Inc> <{RDF}type> <http://schema.org/Brand> .
<{KB}brand/Apple_Inc> <{RDFS}label> "Apple Inc."@en .
<{KB}brand/Apple_Inc> <{RDFS}label> "苹果公司"@zh .
<{KB}brand/Apple_Inc> <{SKOS}altLabel> "Cupertino Fruit" .
<{KB}brand/Apple_Inc> <{KB}foundedBy> <{KB}person/Steve_Jobs> .
<{KB}brand/Apple_Inc> <{KB}foundingYear> "1976" .
<{KB}cat/Smartphone> <{SKOS}broader> <{KB}cat/Consumer_Electronics> .
"""

CSV = """subject,predicate,object,subject_type,object_type,confidence
智能手机,subclass_of,数码产品,category,category,0.9
Globex,type,Brand,,,
Globex,headquartered_in,Springfield,brand,place,0.7
"""


def test_parsers() -> None:
    statements = parse_ntriples(NT)
    assert len(statements) == 7
    assert statements[2].object.value == "苹果公司" and statements[2].object.lang == "zh"
    assert statements[4].object.local == "Steve Jobs"
    rows = parse_csv(CSV)
    assert [r.predicate.value for r in rows] == ["subclass_of", "type", "headquartered_in"]
    assert rows[0].confidence == 0.9


async def test_ntriples_import_links_to_existing_nodes(api: httpx.AsyncClient, ctx: KgContext,
                                                       events) -> None:
    await ctx.ingest.handle([events.product("p1", "iPhone 15 smartphone", brand="Apple")])
    resp = await api.post("/v1/kg/import", params={"source": "brand-registry", "format":
                                                   "ntriples"}, content=NT.encode())
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["source"] == "import:brand-registry"
    assert body["statements"] == 7 and body["skipped"] == 1   # the founding year literal
    assert body["relations_written"] == 2 and body["linked"] >= 2
    near = (await api.get("/v1/kg/nodes/Brand:apple")).json()
    rels = {(r["type"], r["node"]["id"]): r["properties"] for r in near["relations"]}
    # "Apple Inc." landed on the brand p1 already points at, with its source as provenance.
    assert ("BRAND", "Product:p1") in rels
    founded = rels[("RELATED", "Entity:steve jobs")]
    assert founded["type"] == "founded_by" and founded["sources"] == ["import:brand-registry"]
    assert founded["extractor"] == "import:ntriples"
    # "Smartphone" is the phone category; its parent comes from the taxonomy.
    cat = (await api.get("/v1/kg/nodes/Category:phone")).json()
    assert ("SUBCATEGORY_OF", "Category:consumer electronics") in {
        (r["type"], r["node"]["id"]) for r in cat["relations"]}
    # Other names became aliases: products naming them resolve to the same brand.
    await ctx.ingest.handle([events.product("p2", "手机", brand="Cupertino Fruit")])
    dump = await ctx.store.dump()
    assert ["BRAND", "Product:p2", "Brand:apple"] in [e[:3] for e in dump["edges"]]
    # Retracting the source removes what it contributed and nothing else.
    resp = await api.delete("/v1/kg/sources/brand-registry")
    assert resp.status_code == 200 and resp.json()["relations_removed"] == 2
    dump = await ctx.store.dump()
    assert [e for e in dump["edges"] if e[0] in ("RELATED", "SUBCATEGORY_OF")] == []
    assert ["BRAND", "Product:p1", "Brand:apple"] in [e[:3] for e in dump["edges"]]
    assert (await api.delete("/v1/kg/sources/brand-registry")).status_code == 404


async def test_csv_import(api: httpx.AsyncClient, ctx: KgContext) -> None:
    resp = await api.post("/v1/kg/import", params={"source": "taxonomy", "format": "csv"},
                          content=CSV.encode())
    assert resp.status_code == 200, resp.text
    dump = await ctx.store.dump()
    edges = {tuple(e[:3]): e[3] for e in dump["edges"]}
    assert edges[("SUBCATEGORY_OF", "Category:phone", "Category:electronics")]["confidence"] == 0.9
    assert edges[("RELATED", "Brand:globex", "Entity:springfield")]["type"] == "headquartered_in"


async def test_bad_imports(api: httpx.AsyncClient) -> None:
    resp = await api.post("/v1/kg/import", params={"source": "x"}, content=b"<a> <b> oops .")
    assert resp.status_code == 400
    assert resp.json()["error"]["details"][0] == {"field": "body", "line": 1}
    resp = await api.post("/v1/kg/import", params={"source": "bad name!"}, content=NT.encode())
    assert resp.status_code == 400
    assert resp.json()["error"]["details"][0]["field"] == "query.source"
    resp = await api.post("/v1/kg/import", params={"source": "x", "format": "xml"}, content=b"")
    assert resp.status_code == 422
    resp = await api.post("/v1/kg/import", params={"source": "x", "format": "csv"},
                          content=b"a,b\n")
    assert resp.status_code == 400
