"""Markdown API references: one page per service, plus an index."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from shopmind_devassist.openapi.document import Operation, SpecDocument
from shopmind_devassist.openapi.examples import effective_schema, example_value

# The suite's error codes by status (the `error.code` of `{"error": {...}}`).
ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 412: "precondition_failed",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "rate_limited", 500: "internal_error", 502: "bad_gateway", 503: "unavailable",
    504: "gateway_timeout",
}
_REF_PREFIX = "#/components/schemas/"


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _schema_name(ref: str) -> str | None:
    return ref[len(_REF_PREFIX):] if ref.startswith(_REF_PREFIX) else None


def type_label(schema: Any, spec: SpecDocument, *, link: bool = True) -> str:
    """A short human type: `string (uuid)`, `array of Item`, `Item | null`."""
    if not isinstance(schema, Mapping) or not schema:
        return "any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = _schema_name(ref) or ref
        return f"[`{name}`](#{github_anchor(name)})" if link else f"`{name}`"
    for union in ("anyOf", "oneOf"):
        if isinstance(schema.get(union), list):
            return " | ".join(type_label(s, spec, link=link) for s in schema[union])
    if isinstance(schema.get("allOf"), list):
        return " & ".join(type_label(s, spec, link=link) for s in schema["allOf"])
    raw = schema.get("type")
    types = raw if isinstance(raw, list) else [raw] if raw else []
    labels = []
    for kind in types or (["object"] if "properties" in schema else ["any"]):
        if kind == "array":
            labels.append(f"array of {type_label(schema.get('items', {}), spec, link=link)}")
        elif kind == "object" and isinstance(schema.get("additionalProperties"), Mapping) \
                and not schema.get("properties"):
            labels.append(
                f"map of {type_label(schema['additionalProperties'], spec, link=link)}")
        elif kind == "string" and schema.get("format"):
            labels.append(f"string ({schema['format']})")
        else:
            labels.append(str(kind))
    label = " | ".join(labels)
    if isinstance(schema.get("enum"), list):
        label += " — one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    return label


def constraints(schema: Any, spec: SpecDocument) -> str:
    resolved = effective_schema(schema, spec)
    parts = []
    for key, label in (("minLength", "min length"), ("maxLength", "max length"),
                       ("minimum", "≥"), ("maximum", "≤"), ("exclusiveMinimum", ">"),
                       ("exclusiveMaximum", "<"), ("minItems", "min items"),
                       ("maxItems", "max items"), ("pattern", "pattern")):
        value = resolved.get(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value is not None and not isinstance(value, bool):
            parts.append(f"{label} `{value}`" if key == "pattern" else f"{label} {value}")
    if resolved.get("default") is not None:
        parts.append(f"default `{json.dumps(resolved['default'])}`")
    return ", ".join(parts)


def _field_rows(schema: Any, spec: SpecDocument, prefix: str = "",
                depth: int = 0) -> list[tuple[str, str, str, str]]:
    """(field, type, required, description) rows; inline objects are flattened."""
    if depth > 4:
        return []
    resolved = effective_schema(schema, spec) if not (
        isinstance(schema, Mapping) and "$ref" in schema and depth > 0) else {}
    rows = []
    required = set(resolved.get("required") or [])
    for name, prop in (resolved.get("properties") or {}).items():
        label = type_label(prop, spec)
        notes = "; ".join(x for x in (
            str(spec.resolve(prop).get("description") or prop.get("description") or ""),
            constraints(prop, spec)) if x)
        rows.append((f"`{prefix}{name}`", label, "yes" if name in required else "no", notes))
        inline = isinstance(prop, Mapping) and "$ref" not in prop and \
            effective_schema(prop, spec).get("properties")
        if inline:
            rows.extend(_field_rows(prop, spec, prefix=f"{prefix}{name}.", depth=depth + 1))
    return rows


def _field_table(schema: Any, spec: SpecDocument) -> list[str]:
    rows = _field_rows(schema, spec)
    if not rows:
        return []
    lines = ["| field | type | required | description |", "| --- | --- | --- | --- |"]
    lines += [f"| {_cell(a)} | {_cell(b)} | {c} | {_cell(d)} |" for a, b, c, d in rows]
    return lines


def referenced_schemas(node: Any, spec: SpecDocument, found: dict[str, Any] | None = None
                       ) -> dict[str, Any]:
    """Component schemas reachable from `node`, by name, in discovery order."""
    found = {} if found is None else found
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = _schema_name(ref)
            if name and name not in found:
                found[name] = spec.resolve(node)
                referenced_schemas(found[name], spec, found)
        for key, value in node.items():
            if key != "$ref":
                referenced_schemas(value, spec, found)
    elif isinstance(node, list):
        for value in node:
            referenced_schemas(value, spec, found)
    return found


def _sq(text: str) -> str:
    return shlex.quote(text)


def curl_example(op: Operation, spec: SpecDocument, base_url: str) -> str:
    path = op.path
    query: dict[str, str] = {}
    headers: list[str] = []
    for param in op.parameters:
        value = example_value(param.get("schema", {}), spec, name=param.get("name"))
        if "example" in param:
            value = param["example"]
        where = param.get("in")
        text = value if isinstance(value, str) else json.dumps(value)
        if where == "path":
            path = path.replace("{" + str(param.get("name")) + "}", quote(str(text), safe=""))
        elif where == "query" and param.get("required"):
            query[str(param.get("name"))] = str(text)
        elif where == "header" and param.get("required"):
            headers.append(f"{param.get('name')}: {text}")
    url = base_url.rstrip("/") + path + (f"?{urlencode(query)}" if query else "")
    lines = [f"curl -sS -X {op.method.upper()} {_sq(url)}"]
    if op.security or (op.security is None and spec.security_schemes):
        lines.append("-H \"authorization: Bearer $SHOPMIND_TOKEN\"")
    lines += [f"-H {_sq(h)}" for h in headers]
    media = op.body_media_type()
    body_schema = op.json_body_schema()
    if media and body_schema is not None:
        body = example_value(body_schema, spec, full=True)
        lines.append(f"-H {_sq('content-type: ' + media)}")
        lines.append(f"-d {_sq(json.dumps(body, ensure_ascii=False))}")
    elif media:
        lines.append(f"-H {_sq('content-type: ' + media)} --data-binary @body")
    return " \\\n  ".join(lines)


def _heading(op: Operation) -> str:
    return f"{op.method.upper()} {op.path}"


def _operation_section(op: Operation, spec: SpecDocument, base_url: str) -> list[str]:
    out = [f"## {_heading(op)}", ""]
    if op.deprecated:
        out += ["> **Deprecated.**", ""]
    if op.summary:
        out += [op.summary, ""]
    if op.description and op.description != op.summary:
        out += [op.description, ""]
    meta = f"Operation id: `{op.operation_id}`"
    if op.tags:
        meta += " · tags: " + ", ".join(f"`{t}`" for t in op.tags)
    out += [meta, ""]
    if op.parameters:
        out += ["### Parameters", "", "| name | in | type | required | description |",
                "| --- | --- | --- | --- | --- |"]
        for p in op.parameters:
            notes = "; ".join(x for x in (str(p.get("description") or ""),
                                         constraints(p.get("schema", {}), spec)) if x)
            out.append(f"| `{_cell(p.get('name'))}` | {p.get('in')} | "
                       f"{_cell(type_label(p.get('schema', {}), spec))} | "
                       f"{'yes' if p.get('required') else 'no'} | {_cell(notes)} |")
        out.append("")
    if op.request_body:
        out += ["### Request body", ""]
        for media, body in (op.request_body.get("content") or {}).items():
            schema = body.get("schema", {})
            required = "required" if op.body_required else "optional"
            out += [f"`{media}` ({required}): {type_label(schema, spec)}", ""]
            table = _field_table(schema, spec)
            if table:
                out += [*table, ""]
        if op.json_body_schema() is not None:
            example = example_value(op.json_body_schema(), spec, full=True)
            out += ["Example:", "", "```json",
                    json.dumps(example, indent=2, ensure_ascii=False), "```", ""]
    out += ["### Responses", "", "| status | description | body |", "| --- | --- | --- |"]
    errors: list[tuple[str, str]] = []
    for status, resp in op.responses.items():
        content = resp.get("content") or {}
        body = ", ".join(f"{type_label(c.get('schema', {}), spec)} (`{m}`)"
                         for m, c in content.items()) or "—"
        out.append(f"| {status} | {_cell(resp.get('description', ''))} | {_cell(body)} |")
        if status.isdigit() and int(status) >= 400:
            errors.append((status, str(resp.get("description", ""))))
    out.append("")
    if op.security or (op.security is None and spec.security_schemes):
        for status, why in (("401", "missing or invalid credentials"),
                            ("403", "the credentials lack the route's scope")):
            if status not in op.responses:
                errors.append((status, why))
    if errors:
        out += ["### Errors", "",
                'Errors come as `{"error": {"code", "message", "details", "request_id"}}`; '
                "for a validation error `details` lists each offending `field`.", "",
                "| status | code | when |", "| --- | --- | --- |"]
        for status, why in sorted(errors):
            code = ERROR_CODES.get(int(status), "error") if status.isdigit() else "error"
            out.append(f"| {status} | `{code}` | {_cell(why)} |")
        out.append("")
    out += ["### Example", "", "```bash", curl_example(op, spec, base_url), "```", ""]
    return out


def _schema_sections(schemas: Mapping[str, Any], spec: SpecDocument) -> list[str]:
    if not schemas:
        return []
    out = ["## Schemas", ""]
    for name in sorted(schemas):
        schema = schemas[name]
        out += [f"### {name}", ""]
        if schema.get("description"):
            out += [str(schema["description"]).strip(), ""]
        table = _field_table(schema, spec)
        out += [*table, ""] if table else [f"Type: {type_label(schema, spec)}", ""]
    return out


def render_service(service: str, operations: Iterable[Operation], spec: SpecDocument,
                   base_url: str) -> str:
    ops = list(operations)
    lines = [f"# {service} API reference", "",
             f"From *{spec.title}* {spec.version} (OpenAPI {spec.openapi_version}). "
             f"Base URL: `{base_url}`; every route below is reached through it.", ""]
    if spec.security_schemes:
        lines += ["Authentication: " + ", ".join(
            f"`{name}` ({scheme.get('type')}"
            + (f" {scheme.get('scheme')}" if scheme.get("scheme") else "")
            + (f", header `{scheme.get('name')}`" if scheme.get("in") == "header" else "") + ")"
            for name, scheme in spec.security_schemes.items()), ""]
    lines += ["| method | path | summary |", "| --- | --- | --- |"]
    for op in ops:
        lines.append(f"| {op.method.upper()} | [`{op.path}`](#{github_anchor(_heading(op))}) "
                     f"| {_cell(op.summary)} |")
    lines.append("")
    schemas: dict[str, Any] = {}
    for op in ops:
        lines += _operation_section(op, spec, base_url)
        referenced_schemas([list(op.parameters), op.request_body, op.responses], spec, schemas)
    lines += _schema_sections(schemas, spec)
    return "\n".join(lines).rstrip() + "\n"


def render_index(spec: SpecDocument, counts: Mapping[str, int], paths: Mapping[str, str]) -> str:
    lines = [f"# {spec.title} API reference", "", f"Version {spec.version}.", "",
             "| service | operations |", "| --- | --- |"]
    for service in sorted(counts):
        lines.append(f"| [{service}]({paths[service]}) | {counts[service]} |")
    return "\n".join(lines) + "\n"
