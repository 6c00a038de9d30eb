"""An OpenAPI 3.0/3.1 document: parsed, validated, with its references resolved.

Validation runs in two steps. Every `$ref` is checked first: only references
inside the document are followed (a remote one would make the validator fetch
a URL), and one that points nowhere is reported by its location. Then the
document is checked against the OpenAPI schema of its version. Either step
fails with `Unprocessable` whose details name each offending field.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from shopmind_common.errors import Unprocessable

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_ERRORS = 20
_SERVICE_PATH = re.compile(r"^/v\d+/([A-Za-z0-9_-]+)(?:/|$)")


def _normalise(node: Any) -> Any:
    """YAML gives int keys (`200:`) and dates; OpenAPI wants JSON: string keys, string dates."""
    if isinstance(node, Mapping):
        return {str(k): _normalise(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_normalise(v) for v in node]
    if isinstance(node, _dt.date | _dt.datetime):
        return node.isoformat()
    return node


def _pointer_text(parts: Iterator[Any] | list[Any]) -> str:
    return ".".join(str(p) for p in parts)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _follow_pointer(doc: Any, ref: str) -> Any:
    """The node a local `#/a/b` reference names; KeyError when it names nothing."""
    node = doc
    for raw in ref[2:].split("/") if ref != "#" else []:
        token = _unescape(raw)
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(ref)
    return node


def _walk_refs(node: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    if isinstance(node, Mapping):
        if "$ref" in node:
            yield [*path, "$ref"], node["$ref"]
        for key, value in node.items():
            if key != "$ref":
                yield from _walk_refs(value, [*path, str(key)])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_refs(value, [*path, str(i)])


def parse_spec(raw: Mapping[str, Any] | str, *, field_name: str = "body.spec") -> SpecDocument:
    """Parse (JSON or YAML text, or an object) and validate; 422 with the reasons if invalid."""
    if isinstance(raw, str):
        try:
            loaded = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise Unprocessable(
                f"spec is neither JSON nor YAML: {exc}".splitlines()[0],
                details=[{"field": field_name, "message": str(exc)}],
            ) from exc
    else:
        loaded = raw
    if not isinstance(loaded, Mapping):
        raise Unprocessable("spec must be an OpenAPI object",
                            details=[{"field": field_name, "message": "not an object"}])
    doc: dict[str, Any] = _normalise(loaded)
    _check_version(doc, field_name)
    _check_refs(doc, field_name)
    # Schema validation dominates on large documents, and the suite's spec comes back often
    # unchanged: remember the digests of documents that passed.
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
    with _valid_lock:
        known = digest in _valid_digests
        if known:
            _valid_digests.move_to_end(digest)
    if not known:
        _check_schema(doc, field_name)
        with _valid_lock:
            _valid_digests[digest] = None
            while len(_valid_digests) > 64:
                _valid_digests.popitem(last=False)
    return SpecDocument(doc)


_valid_digests: OrderedDict[str, None] = OrderedDict()
_valid_lock = threading.Lock()


def _check_version(doc: dict[str, Any], field_name: str) -> None:
    if "swagger" in doc:
        raise Unprocessable(
            "Swagger 2.0 documents are not supported; convert it to OpenAPI 3",
            details=[{"field": f"{field_name}.swagger", "message": "OpenAPI 3.0 or 3.1 required"}],
        )
    version = doc.get("openapi")
    if not isinstance(version, str) or not re.match(r"^3\.[01]\.\d+", version):
        raise Unprocessable(
            f"unsupported or missing OpenAPI version {version!r}; 3.0.x or 3.1.x required",
            details=[{"field": f"{field_name}.openapi", "message": "3.0.x or 3.1.x required"}],
        )


def _check_refs(doc: dict[str, Any], field_name: str) -> None:
    problems = []
    for path, ref in _walk_refs(doc, []):
        where = f"{field_name}.{_pointer_text(path)}"
        if not isinstance(ref, str):
            problems.append({"field": where, "message": "$ref must be a string"})
        elif not ref.startswith("#"):
            problems.append({"field": where,
                             "message": f"external reference {ref!r} is not followed"})
        else:
            try:
                _follow_pointer(doc, ref)
            except KeyError:
                problems.append({"field": where, "message": f"reference {ref!r} does not resolve"})
        if len(problems) >= _MAX_ERRORS:
            break
    if problems:
        raise Unprocessable(f"invalid OpenAPI document: {problems[0]['message']} at "
                            f"{problems[0]['field']}", details=problems)


def _check_schema(doc: dict[str, Any], field_name: str) -> None:
    validator_cls = (OpenAPIV30SpecValidator if doc["openapi"].startswith("3.0")
                     else OpenAPIV31SpecValidator)
    errors = []
    found = islice(validator_cls(doc).iter_errors(), _MAX_ERRORS)
    while True:
        try:
            errors.append(next(found))
        except StopIteration:
            break
        except Exception as exc:
            # The validator trips over some malformed documents after reporting why they
            # are malformed: keep what it reported; say what broke only if it said nothing.
            if errors:
                break
            raise Unprocessable(
                f"invalid OpenAPI document: the validator failed on it "
                f"({type(exc).__name__}: {exc})".splitlines()[0],
                details=[{"field": field_name, "message": f"{type(exc).__name__}: {exc}"[:500]}],
            ) from exc
    if errors:
        details = []
        for err in errors:
            where = _pointer_text(getattr(err, "absolute_path", []) or [])
            details.append({"field": f"{field_name}.{where}" if where else field_name,
                            "message": str(err.message).splitlines()[0]})
        raise Unprocessable(
            f"invalid OpenAPI document: {details[0]['message']} at {details[0]['field']}",
            details=details,
        )


@dataclass(frozen=True)
class Operation:
    """One method on one path, with path-level parameters merged in and refs resolved."""

    method: str
    path: str
    operation_id: str
    service: str
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[dict[str, Any], ...] = ()
    request_body: dict[str, Any] | None = None
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    deprecated: bool = False
    security: tuple[dict[str, Any], ...] | None = None

    def json_body_schema(self) -> dict[str, Any] | None:
        """The request body's JSON schema, if it takes JSON."""
        if not self.request_body:
            return None
        content = self.request_body.get("content") or {}
        for media, body in content.items():
            if media == "application/json" or media.endswith("+json"):
                schema = body.get("schema")
                return schema if isinstance(schema, dict) else {}
        return None

    def body_media_type(self) -> str | None:
        if not self.request_body:
            return None
        content = self.request_body.get("content") or {}
        return next(iter(content), None)

    @property
    def body_required(self) -> bool:
        return bool(self.request_body and self.request_body.get("required"))


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower() or "root"


class SpecDocument:
    """A validated OpenAPI document and the views the generators need."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    @property
    def openapi_version(self) -> str:
        return str(self.doc.get("openapi", ""))

    @property
    def title(self) -> str:
        return str(self.doc.get("info", {}).get("title", "API"))

    @property
    def version(self) -> str:
        return str(self.doc.get("info", {}).get("version", ""))

    @property
    def components(self) -> dict[str, Any]:
        comps = self.doc.get("components")
        return comps if isinstance(comps, dict) else {}

    @property
    def security_schemes(self) -> dict[str, Any]:
        schemes = self.components.get("securitySchemes")
        return schemes if isinstance(schemes, dict) else {}

    def resolve(self, node: Any) -> Any:
        """Follow `$ref` chains (the refs were checked when the document was parsed)."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise Unprocessable(f"circular reference {ref!r}",
                                    details=[{"field": "body.spec", "message": ref}])
            seen.add(ref)
            node = _follow_pointer(self.doc, ref)
        return node

    def operations(self, services: set[str] | None = None) -> list[Operation]:
        """Every operation in document order, optionally only those of some services."""
        out: list[Operation] = []
        paths = self.doc.get("paths") or {}
        for path, raw_item in paths.items():
            item = self.resolve(raw_item)
            if not isinstance(item, Mapping):
                continue
            shared = [self.resolve(p) for p in item.get("parameters") or []]
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, Mapping):
                    continue
                operation = self._operation(method, path, op, shared)
                if services is None or operation.service in services:
                    out.append(operation)
        return out

    def services(self) -> list[str]:
        return sorted({op.service for op in self.operations()})

    def _operation(self, method: str, path: str, op: Mapping[str, Any],
                   shared: list[dict[str, Any]]) -> Operation:
        own = [self.resolve(p) for p in op.get("parameters") or []]
        # operation parameters override path-level ones with the same name and location
        merged = {(p.get("name"), p.get("in")): p for p in shared}
        merged.update({(p.get("name"), p.get("in")): p for p in own})
        tags = tuple(str(t) for t in op.get("tags") or [])
        body = self.resolve(op["requestBody"]) if "requestBody" in op else None
        responses = {str(code): self.resolve(resp)
                     for code, resp in (op.get("responses") or {}).items()}
        security = op.get("security", self.doc.get("security"))
        return Operation(
            method=method,
            path=path,
            operation_id=str(op.get("operationId") or f"{method}_{_slug(path)}"),
            service=self._service_of(path, op, tags),
            summary=str(op.get("summary") or ""),
            description=str(op.get("description") or ""),
            tags=tags,
            parameters=tuple(merged.values()),
            request_body=body,
            responses=responses,
            deprecated=bool(op.get("deprecated", False)),
            security=tuple(security) if isinstance(security, list) else None,
        )

    @staticmethod
    def _service_of(path: str, op: Mapping[str, Any], tags: tuple[str, ...]) -> str:
        explicit = op.get("x-shopmind-service")
        if isinstance(explicit, str) and explicit:
            return explicit
        match = _SERVICE_PATH.match(path)
        if match:
            return match.group(1)
        return tags[0] if tags else "api"
