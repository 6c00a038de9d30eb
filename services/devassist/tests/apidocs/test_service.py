from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx
import pytest
import yaml
from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.main import create_app
from shopmind_devassist.openapi.document import parse_spec
from shopmind_devassist.openapi.suite import merge_specs

URL = "/v1/devassist/apidocs"


@pytest.fixture
def own_spec(settings: DevassistSettings) -> dict[str, Any]:
    """devassist's own OpenAPI document, as FastAPI publishes it."""
    return create_app(settings).openapi()


async def test_reference_of_devassists_own_spec(client: httpx.AsyncClient,
                                                own_spec: dict[str, Any]) -> None:
    resp = await client.post(URL, json={"spec": own_spec, "base_url": "http://gw:8000"})
    assert resp.status_code == 200, resp.text
    ref = resp.json()
    assert ref["source"] == "posted"
    assert [s["name"] for s in ref["services"]] == ["devassist"]
    page = next(f["content"] for f in ref["files"] if f["path"] == "docs/api/devassist.md")
    operations = [(m.upper(), p) for p, item in own_spec["paths"].items() for m in item]
    assert ref["services"][0]["operations"] == len(operations)
    for method, path in operations:
        assert f"## {method} {path}" in page
    assert page.count("```bash\ncurl -sS -X ") == len(operations)
    assert "curl -sS -X POST http://gw:8000/v1/devassist/commits/message" in page
    # request fields, constraints, response and error tables, schemas
    assert "| `diff` | string | yes | A unified diff (git diff / git show output); min length 1 |" \
        in page
    assert "| 422 | `validation_error` |" in page
    assert "| 413 | `payload_too_large` |" in page
    assert "### CommitMessage" in page
    index = next(f["content"] for f in ref["files"] if f["path"] == "docs/api/README.md")
    assert "| [devassist](devassist.md) |" in index


async def test_curl_examples_are_real_requests(client: httpx.AsyncClient,
                                               own_spec: dict[str, Any]) -> None:
    """The JSON each curl example sends is accepted by the endpoint it documents."""
    page = (await client.post(URL, json={"spec": own_spec})).json()["files"][1]["content"]
    sent = 0
    for block in page.split("```bash\n")[1:]:
        command = block.split("```", 1)[0]
        if " -d '" not in command or "/scaffolds/" not in command:
            continue
        path = command.split("http://127.0.0.1:8000", 1)[1].split()[0]
        payload = command.split(" -d '", 1)[1].rsplit("'", 1)[0].replace("'\\''", "'")
        resp = await client.post(path, content=payload,
                                 headers={"content-type": "application/json"})
        assert resp.status_code == 200, (path, resp.text)
        sent += 1
    assert sent == 3


async def test_yaml_text_and_zip(client: httpx.AsyncClient, own_spec: dict[str, Any]) -> None:
    resp = await client.post(URL, params={"format": "zip"}, json={"spec": yaml.safe_dump(own_spec)})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(resp.content)).namelist()
    assert names == ["docs/api/README.md", "docs/api/devassist.md"]


@pytest.mark.parametrize(("mutate", "field", "reason"), [
    (lambda s: s["info"].pop("version"), "body.spec.info", "'version' is a required property"),
    (lambda s: s.update(openapi="2.0"), "body.spec.openapi", "3.0.x or 3.1.x required"),
    (lambda s: s.update(swagger="2.0"), "body.spec.swagger", "Swagger 2.0"),
    (lambda s: s["paths"]["/v1/devassist/commits/message"]["post"]["requestBody"]["content"][
        "application/json"]["schema"].update({"$ref": "#/components/schemas/Nope"}),
     "body.spec.paths./v1/devassist/commits/message.post.requestBody.content."
     "application/json.schema.$ref", "does not resolve"),
    (lambda s: s["components"]["schemas"]["CommitRequest"].update(
        {"$ref": "https://example.com/x.json"}),
     "body.spec.components.schemas.CommitRequest.$ref", "external reference"),
    (lambda s: s["paths"]["/v1/devassist/perf/advice"]["post"].update(parameters=[{"name": "q"}]),
     "body.spec.paths./v1/devassist/perf/advice.post.parameters.0", "'in' is a required"),
])
async def test_invalid_openapi_is_422_with_the_reason(client: httpx.AsyncClient,
                                                      own_spec: dict[str, Any], mutate: Any,
                                                      field: str, reason: str) -> None:
    spec = json.loads(json.dumps(own_spec))
    mutate(spec)
    resp = await client.post(URL, json={"spec": spec})
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == "validation_error"
    fields = [d["field"] for d in error["details"]]
    assert field in fields, fields
    messages = " ".join([error["message"], *(d["message"] for d in error["details"])])
    assert reason.replace("'", '"') in messages.replace("'", '"')


@pytest.mark.parametrize("text", ["openapi: [unclosed", "just a string", "[1, 2]"])
async def test_unparsable_text_is_422(client: httpx.AsyncClient, text: str) -> None:
    resp = await client.post(URL, json={"spec": text})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.spec"


async def test_unknown_service_filter_is_404(client: httpx.AsyncClient,
                                             own_spec: dict[str, Any]) -> None:
    resp = await client.post(URL, json={"spec": own_spec, "services": ["nope"]})
    assert resp.status_code == 404
    assert resp.json()["error"]["details"]["available"] == ["devassist"]


def test_merge_renames_clashing_schemas_and_their_refs() -> None:
    def spec(service: str, field: str) -> dict[str, Any]:
        return {"openapi": "3.1.0", "info": {"title": service, "version": "1"},
                "paths": {f"/v1/{service}/x": {"get": {"responses": {"200": {
                    "description": "ok", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Item"}}}}}}}},
                "components": {"schemas": {"Item": {"type": "object", "properties": {
                    field: {"type": "string"}}}}}}

    merged = merge_specs({"kg": spec("kg", "a"), "nlp": spec("nlp", "b")})
    doc = parse_spec(merged)
    assert set(merged["components"]["schemas"]) == {"Item", "NlpItem"}
    nlp_op = next(op for op in doc.operations() if op.service == "nlp")
    assert nlp_op.responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NlpItem"}
    assert {op.service for op in doc.operations()} == {"kg", "nlp"}
