"""Example values from schemas: one valid instance, and values that break a schema.

A documented `example`/`examples`/`default`/`enum` wins; otherwise a value is
built from the type and its constraints. Every invalid value offered is checked
against the schema with an OpenAPI schema validator, so a "wrong" value the
schema would in fact accept is never proposed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from openapi_schema_validator import OAS30Validator, OAS31Validator

from shopmind_devassist.openapi.document import SpecDocument

_MAX_DEPTH = 8
_FORMATS: dict[str, Any] = {
    "date-time": "2024-05-01T12:00:00Z",
    "date": "2024-05-01",
    "time": "12:00:00",
    "email": "dev@example.com",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "ZXhhbXBsZQ==",
    "binary": "example",
    "password": "s3cret-Passw0rd",
}
_PATTERN_CANDIDATES = ("example", "abc", "a", "A", "Abc1", "abc-123", "ab_12", "0", "1", "123",
                       "2024-05-01", "v1", "SKU-0001", "user-1", "a.b", "x@example.com")


def _non_null_types(schema: Mapping[str, Any]) -> list[str]:
    raw = schema.get("type")
    if isinstance(raw, list):
        return [t for t in raw if t != "null"]
    return [raw] if isinstance(raw, str) and raw != "null" else []


def merged_all_of(schema: Mapping[str, Any], spec: SpecDocument) -> dict[str, Any]:
    """`allOf` folded into one object schema (properties and required lists joined)."""
    out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf") or []:
        resolved = spec.resolve(part)
        if "allOf" in resolved:
            resolved = merged_all_of(resolved, spec)
        for key, value in resolved.items():
            if key == "properties":
                out.setdefault("properties", {}).update(value)
            elif key == "required":
                out["required"] = sorted(set(out.get("required", [])) | set(value))
            else:
                out.setdefault(key, value)
    return out


def effective_schema(schema: Any, spec: SpecDocument) -> dict[str, Any]:
    """Resolve refs and `allOf`, and pick the first non-null branch of a nullable union."""
    resolved = spec.resolve(schema) if isinstance(schema, Mapping) else {}
    if not isinstance(resolved, Mapping):
        return {}
    if "allOf" in resolved:
        resolved = merged_all_of(resolved, spec)
    for union in ("anyOf", "oneOf"):
        branches = resolved.get(union)
        if isinstance(branches, list) and branches:
            concrete = [b for b in branches if spec.resolve(b).get("type") != "null"]
            if concrete:
                extra = {k: v for k, v in resolved.items() if k not in (union,)}
                return {**effective_schema(concrete[0], spec), **{
                    k: v for k, v in extra.items()
                    if k in ("description", "title", "default", "examples", "example")}}
    return dict(resolved)


def _number(schema: Mapping[str, Any], integer: bool) -> int | float:
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    ex_lo = schema.get("exclusiveMinimum")
    ex_hi = schema.get("exclusiveMaximum")
    step = 1 if integer else 0.5
    if isinstance(ex_lo, bool):  # OpenAPI 3.0 spells exclusivity as a flag
        ex_lo = lo if ex_lo else None
        lo = None if ex_lo is not None else lo
    if isinstance(ex_hi, bool):
        ex_hi = hi if ex_hi else None
        hi = None if ex_hi is not None else hi
    low = lo if lo is not None else (ex_lo + step if ex_lo is not None else None)
    high = hi if hi is not None else (ex_hi - step if ex_hi is not None else None)
    value: float = 1
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and multiple > 0:
        value = math.ceil(value / multiple) * multiple
    return int(value) if integer else float(value)


def _string(schema: Mapping[str, Any], name: str | None) -> str:
    fmt = schema.get("format")
    value = _FORMATS.get(fmt, "") if isinstance(fmt, str) else ""
    pattern = schema.get("pattern")
    if not value and isinstance(pattern, str):
        try:
            rx = re.compile(pattern)
        except re.error:
            rx = None
        if rx is not None:
            for candidate in ((name or "example"), *_PATTERN_CANDIDATES):
                if rx.search(candidate):
                    value = candidate
                    break
    if not value:
        value = (name or "example").lower()
    min_len = schema.get("minLength")
    max_len = schema.get("maxLength")
    if isinstance(min_len, int) and len(value) < min_len:
        value = (value * (min_len // max(len(value), 1) + 1))[:min_len]
    if isinstance(max_len, int) and len(value) > max_len:
        value = value[:max_len]
    return value


def example_value(schema: Any, spec: SpecDocument, *, full: bool = False,
                  name: str | None = None, _depth: int = 0) -> Any:
    """A value valid for `schema` (required properties only unless `full`)."""
    if schema is True or schema is None:
        return name or "example"
    resolved = effective_schema(schema, spec)
    for key in ("const",):
        if key in resolved:
            return resolved[key]
    examples = resolved.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "example" in resolved:
        return resolved["example"]
    if resolved.get("default") is not None:
        return resolved["default"]
    enum = resolved.get("enum")
    if isinstance(enum, list) and enum:
        return next((e for e in enum if e is not None), enum[0])
    if _depth > _MAX_DEPTH:
        return None
    types = _non_null_types(resolved)
    kind = types[0] if types else ("object" if "properties" in resolved else None)
    if kind == "string":
        return _string(resolved, name)
    if kind in ("integer", "number"):
        return _number(resolved, kind == "integer")
    if kind == "boolean":
        return True
    if kind == "array":
        item = example_value(resolved.get("items", {}), spec, full=full, name=name,
                             _depth=_depth + 1)
        count = max(int(resolved.get("minItems", 0) or 0), 1)
        if isinstance(resolved.get("maxItems"), int):
            count = min(count, resolved["maxItems"])
        if resolved.get("uniqueItems") and count > 1:
            return [item] + [f"{item}-{i}" if isinstance(item, str) else item
                             for i in range(1, count)]
        return [item] * count
    if kind == "object":
        properties: Mapping[str, Any] = resolved.get("properties") or {}
        required = set(resolved.get("required") or [])
        out: dict[str, Any] = {}
        for prop, prop_schema in properties.items():
            if prop in required or full:
                out[prop] = example_value(prop_schema, spec, full=full, name=prop,
                                          _depth=_depth + 1)
        min_props = resolved.get("minProperties")
        extra = resolved.get("additionalProperties")
        if isinstance(min_props, int) and len(out) < min_props and isinstance(extra, Mapping):
            for i in range(min_props - len(out)):
                out[f"key{i}"] = example_value(extra, spec, full=full, _depth=_depth + 1)
        return out
    return name or "example"


def validator_for(schema: Any, spec: SpecDocument) -> OAS30Validator | OAS31Validator:
    """A schema validator that resolves `#/components/...` against the document."""
    root = {**(schema if isinstance(schema, Mapping) else {}), "components": spec.components}
    if spec.openapi_version.startswith("3.0"):
        return OAS30Validator(root)
    return OAS31Validator(root)


def is_valid(value: Any, schema: Any, spec: SpecDocument) -> bool:
    return next(iter(validator_for(schema, spec).iter_errors(value)), None) is None


def invalid_values(schema: Any, spec: SpecDocument, name: str = "value"
                   ) -> list[tuple[str, Any]]:
    """Values that violate `schema`, each with a short reason; only truly invalid ones."""
    resolved = effective_schema(schema, spec)
    types = set(_non_null_types(resolved))
    candidates: list[tuple[str, Any]] = []
    if types:
        wrong = {
            "string": ("a number instead of a string", 12345),
            "integer": ("text instead of an integer", "not-a-number"),
            "number": ("text instead of a number", "not-a-number"),
            "boolean": ("text instead of a boolean", "not-a-boolean"),
            "array": ("a string instead of an array", "not-an-array"),
            "object": ("a string instead of an object", "not-an-object"),
        }
        for kind in ("string", "integer", "number", "boolean", "array", "object"):
            if kind in types:
                candidates.append(wrong[kind])
                break
    if isinstance(resolved.get("enum"), list):
        candidates.append(("a value outside the enum", "not-a-valid-choice"))
    if isinstance(resolved.get("minLength"), int) and resolved["minLength"] > 0:
        candidates.append((f"shorter than minLength {resolved['minLength']}",
                           "x" * (resolved["minLength"] - 1)))
    if isinstance(resolved.get("maxLength"), int):
        candidates.append((f"longer than maxLength {resolved['maxLength']}",
                           "x" * (resolved["maxLength"] + 1)))
    for key, delta in (("minimum", -1), ("maximum", 1)):
        bound = resolved.get(key)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            candidates.append((f"beyond {key} {bound}", bound + delta))
    for key, delta in (("exclusiveMinimum", 0), ("exclusiveMaximum", 0)):
        bound = resolved.get(key)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            candidates.append((f"equal to {key} {bound}", bound + delta))
    if isinstance(resolved.get("minItems"), int) and resolved["minItems"] > 0:
        candidates.append((f"fewer than minItems {resolved['minItems']}", []))
    if isinstance(resolved.get("maxItems"), int):
        item = example_value(resolved.get("items", {}), spec)
        candidates.append((f"more than maxItems {resolved['maxItems']}",
                           [item] * (resolved["maxItems"] + 1)))
    if isinstance(resolved.get("pattern"), str):
        candidates.append((f"not matching pattern {resolved['pattern']}", " \t#not-matching#"))
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for reason, value in candidates:
        key = repr(value)
        if key in seen:
            continue
        seen.add(key)
        if not is_valid(value, schema, spec):
            out.append((f"{name}: {reason}", value))
    return out
