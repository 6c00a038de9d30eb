"""A pytest file of API tests from an OpenAPI document.

For every operation: one test with a valid request built from the schemas
(documented examples first), asserting no 5xx, a documented status, and for a
2xx JSON answer a body that matches the documented schema; and one
parametrised test of invalid requests, each changing exactly one thing of the
valid request (a required field or parameter left out, malformed JSON, a value
of the wrong type or outside its bounds), asserting a 4xx answer that is not
about credentials. Every "invalid" value is checked against the schema first.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from shopmind_devassist.openapi.document import Operation, SpecDocument
from shopmind_devassist.openapi.examples import effective_schema, example_value, invalid_values
from shopmind_devassist.pyliteral import py_literal
from shopmind_devassist.testgen.from_source import _unique


@dataclass
class _Request:
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    has_json: bool = False
    data: dict[str, Any] | None = None
    content: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "params": self.params, "headers": self.headers}
        if self.has_json:
            out["json"] = self.json_body
        if self.data is not None:
            out["data"] = self.data
        if self.content is not None:
            out["content"] = self.content
        return out


@dataclass
class GeneratedApiTests:
    content: str
    operations: int
    valid_cases: int
    invalid_cases: int


def _identifier(text: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", text).strip("_").lower() or "operation"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = f"op_{name}"
    return name


def _literal(value: Any, indent: int, column: int) -> str:
    return py_literal(value, indent, column)


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_param_text(v) for v in value)
    return json.dumps(value)


def _fill_path(template: str, values: dict[str, Any]) -> str:
    def repl(match: re.Match[str]) -> str:
        return quote(_param_text(values.get(match.group(1), "example")), safe="")

    return re.sub(r"\{([^}]+)\}", repl, template)


def _form_media(media: str | None) -> bool:
    return media in ("application/x-www-form-urlencoded", "multipart/form-data")


class _OperationCases:
    def __init__(self, op: Operation, spec: SpecDocument, max_invalid: int) -> None:
        self.op = op
        self.spec = spec
        self.max_invalid = max_invalid
        self.path_values: dict[str, Any] = {}
        self.query: dict[str, Any] = {}
        self.headers: dict[str, str] = {}
        for p in op.parameters:
            name, where = str(p.get("name")), p.get("in")
            value = p["example"] if "example" in p else example_value(
                p.get("schema", {}), spec, name=name)
            if where == "path":
                self.path_values[name] = value
            elif where == "query" and p.get("required"):
                self.query[name] = _param_text(value)
            elif where == "header" and p.get("required"):
                self.headers[name] = _param_text(value)
        self.media = op.body_media_type()
        self.body_schema = op.json_body_schema()
        self.body: Any = None
        if self.body_schema is not None:
            self.body = example_value(self.body_schema, spec)
        elif _form_media(self.media):
            schema = (op.request_body or {}).get("content", {}).get(self.media, {}).get("schema")
            self.body = example_value(schema or {}, spec)

    def valid(self) -> _Request:
        req = _Request(_fill_path(self.op.path, self.path_values), dict(self.query),
                       dict(self.headers))
        if self.body_schema is not None:
            req.json_body, req.has_json = self.body, True
        elif _form_media(self.media):
            req.data = self.body if isinstance(self.body, dict) else {}
        elif self.media:
            req.headers["content-type"] = self.media
            req.content = "example"
        return req

    def invalid(self) -> list[tuple[str, _Request]]:
        cases: list[tuple[str, _Request]] = []
        base = self.valid()
        # parameters: a required one left out, or a value that breaks its schema
        for p in self.op.parameters:
            name, where = str(p.get("name")), p.get("in")
            schema = p.get("schema", {})
            if where in ("query", "header") and p.get("required"):
                req = self.valid()
                (req.params if where == "query" else req.headers).pop(name, None)
                cases.append((f"{where}.{name}: missing required parameter", req))
            types = effective_schema(schema, self.spec).get("type")
            for reason, value in invalid_values(schema, self.spec, name=f"{where}.{name}"):
                if types == "string" and "instead of a string" in reason:
                    continue  # every parameter travels as text: no wrong type to send
                text = _param_text(value)
                if where == "path" and (not text.strip() or "/" in text):
                    continue  # an empty or slashed segment changes the route, not the value
                if not text and where == "header":
                    continue
                req = self.valid()
                if where == "path":
                    req.path = _fill_path(self.op.path, {**self.path_values, name: value})
                elif where == "query":
                    req.params[name] = text
                elif where == "header":
                    req.headers[name] = text
                else:
                    continue
                cases.append((reason, req))
        if self.body_schema is not None:
            cases.extend(self._invalid_json_bodies(base))
        return cases[: self.max_invalid]

    def _invalid_json_bodies(self, base: _Request) -> list[tuple[str, _Request]]:
        cases: list[tuple[str, _Request]] = []
        assert self.body_schema is not None
        if self.op.body_required:
            req = self.valid()
            req.has_json, req.json_body = False, None
            cases.append(("body: missing", req))
        malformed = self.valid()
        malformed.has_json, malformed.json_body = False, None
        malformed.content = '{"not": json'
        malformed.headers["content-type"] = "application/json"
        cases.append(("body: malformed JSON", malformed))
        resolved = effective_schema(self.body_schema, self.spec)
        if not isinstance(self.body, dict):
            for reason, value in invalid_values(self.body_schema, self.spec, name="body"):
                req = self.valid()
                req.json_body = value
                cases.append((reason, req))
            return cases
        required = list(resolved.get("required") or [])
        for prop in required:
            req = self.valid()
            req.json_body = {k: v for k, v in self.body.items() if k != prop}
            cases.append((f"body.{prop}: missing required field", req))
        for prop, prop_schema in (resolved.get("properties") or {}).items():
            for reason, value in invalid_values(prop_schema, self.spec, name=f"body.{prop}")[:2]:
                candidate = {**self.body, prop: value}
                if _valid_body(candidate, self.body_schema, self.spec):
                    continue
                req = self.valid()
                req.json_body = candidate
                cases.append((reason, req))
        return cases


def _valid_body(value: Any, schema: Any, spec: SpecDocument) -> bool:
    from shopmind_devassist.openapi.examples import is_valid

    return is_valid(value, schema, spec)


def _documented(op: Operation) -> dict[str, Any]:
    """Status -> JSON schema of its body (None when it has none)."""
    out: dict[str, Any] = {}
    for status, resp in op.responses.items():
        schema = None
        for media, body in (resp.get("content") or {}).items():
            if media == "application/json" or media.endswith("+json"):
                schema = body.get("schema")
                break
        out[status] = schema
    return out


_HEADER = '''"""API tests for {title} {version}, generated from its OpenAPI document.

Target: API_BASE_URL (default {base_url!r}); extra request headers as a JSON
object in API_HEADERS, e.g. '{{"authorization": "Bearer <token>"}}'.
Each operation has a test with a valid request (no 5xx, no 400/422, any other
4xx documented, a 2xx JSON body matching its schema) and a parametrised test
of invalid requests (each must get a 4xx that is not about
credentials{envelope_note}).
The valid requests create and change data: aim them at a test deployment.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest
from openapi_schema_validator import {validator}

BASE_URL = os.environ.get("API_BASE_URL", {base_url!r})
HEADERS: dict[str, str] = json.loads(os.environ.get("API_HEADERS") or "{{}}")
TIMEOUT_S = float(os.environ.get("API_TIMEOUT_S", "60"))
ERROR_FIELD: str | None = {error_field!r}
COMPONENTS: dict[str, Any] = {components}


@pytest.fixture(scope="module")
def api() -> Any:
    with httpx.Client(base_url=BASE_URL, headers=HEADERS, timeout=TIMEOUT_S) as client:
        yield client


def _send(api: httpx.Client, method: str, request: dict[str, Any]) -> httpx.Response:
    kwargs: dict[str, Any] = {{"params": request["params"], "headers": request["headers"]}}
    for key in ("json", "data", "content"):
        if key in request:
            kwargs[key] = request[key]
    return api.request(method, request["path"], **kwargs)


def _schema_errors(body: Any, schema: dict[str, Any]) -> list[str]:
    validator = {validator}({{**schema, "components": COMPONENTS}})
    return [f"{{list(e.absolute_path)}}: {{e.message}}" for e in validator.iter_errors(body)]


def _check_valid(resp: httpx.Response, documented: dict[str, Any], may_be_missing: bool) -> None:
    status = str(resp.status_code)
    assert resp.status_code < 500, f"{{status}}: {{resp.text[:500]}}"
    # A valid request may meet a documented domain error (404, 409...), never a refusal of
    # its shape: 400 and 422 mean the request this file built was not valid after all.
    assert status not in ("400", "422"), f"valid request refused: {{resp.text[:500]}}"
    known = status in documented or f"{{status[0]}}XX" in documented or "default" in documented
    assert resp.status_code < 400 or known or (may_be_missing and status == "404"), (
        f"undocumented status {{status}}: {{resp.text[:500]}}")
    schema = documented.get(status, documented.get(f"{{status[0]}}XX"))
    if resp.status_code < 300 and schema and "json" in resp.headers.get("content-type", ""):
        errors = _schema_errors(resp.json(), schema)
        assert not errors, f"body does not match the documented schema: {{errors[:5]}}"


def _check_invalid(resp: httpx.Response) -> None:
    assert 400 <= resp.status_code < 500, f"{{resp.status_code}}: {{resp.text[:500]}}"
    assert resp.status_code not in (401, 403), f"credentials refused: {{resp.text[:300]}}"
    assert resp.status_code != 405, "the method is not served on this path"
    if ERROR_FIELD and "json" in resp.headers.get("content-type", ""):
        assert ERROR_FIELD in resp.json(), f"no {{ERROR_FIELD!r}} in {{resp.text[:300]}}"
'''


def _docstring(op: Operation, suffix: str = "") -> str:
    title = f"{op.method.upper()} {op.path}{suffix}".replace("\\", "/")
    summary = (op.summary or "").replace('"', "'").replace("\\", "/")[:88]
    if summary:
        return f'    """{title}\n\n    {summary}\n    """\n'
    return f'    """{title}"""\n'


def _case_id(reason: str) -> str:
    return reason if len(reason) <= 60 else reason[:57] + "..."


def generate_api_tests(spec: SpecDocument, operations: list[Operation], *, base_url: str,
                       error_field: str | None, max_invalid: int = 12) -> GeneratedApiTests:
    validator = "OAS30Validator" if spec.openapi_version.startswith("3.0") else "OAS31Validator"
    parts = [_HEADER.format(
        title=spec.title, version=spec.version, base_url=base_url, validator=validator,
        error_field=error_field, components=_literal(spec.components, 0, 29),
        envelope_note=f" and carries `{error_field}` in its JSON body" if error_field else "")]
    used: set[str] = set()
    valid_count = invalid_count = 0
    for op in operations:
        if op.method == "trace":
            continue
        cases = _OperationCases(op, spec, max_invalid)
        name = _unique(_identifier(op.operation_id)[:70], used)
        valid = cases.valid()
        may_be_missing = any(p.get("in") == "path" for p in op.parameters)
        parts.append(
            f"\n\ndef test_{name}_valid(\n    api: httpx.Client,\n) -> None:\n"
            f"{_docstring(op)}"
            f"    request = {_literal(valid.as_dict(), 4, 14)}\n"
            f"    documented = {_literal(_documented(op), 4, 17)}\n"
            f"    resp = _send(api, {op.method.upper()!r}, request)\n"
            f"    _check_valid(resp, documented, may_be_missing={may_be_missing})\n")
        valid_count += 1
        invalid = cases.invalid()
        if not invalid:
            continue
        params = "".join(
            f"        pytest.param(\n            {_literal(req.as_dict(), 12, 12)},\n"
            f"            id={_case_id(reason)!r},\n        ),\n"
            for reason, req in invalid)
        parts.append(
            f"\n\n@pytest.mark.parametrize(\n    \"request_\",\n    [\n{params}    ],\n)\n"
            f"def test_{name}_invalid(\n    api: httpx.Client,\n    request_: dict[str, Any],\n"
            f") -> None:\n"
            f"{_docstring(op, ': invalid requests get a 4xx')}"
            f"    _check_invalid(_send(api, {op.method.upper()!r}, request_))\n")
        invalid_count += len(invalid)
    return GeneratedApiTests("".join(parts), len(used), valid_count, invalid_count)
