"""`/openapi.json`: every service's spec under its prefix, plus the gateway's own.

Component names are prefixed with the service (`nlp__Review`) so two services
may both define `Review`; operation ids likewise. Each operation declares the
security schemes and, in `x-required-scope`, the scope the gateway checks.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from typing import Any

import httpx

from shopmind_gateway.proxy.routing import RouteTable, split_path
from shopmind_gateway.proxy.upstreams import Upstream

log = logging.getLogger("shopmind.gateway.openapi")

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SECURITY_SCHEMES: dict[str, Any] = {
    "ApiKeyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key from `shopmind keys create` (`smk_...`).",
    },
    "BearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A JWT (HS256 or RS256/ES256 from the JWKS), or an API key.",
    },
}
SECURITY: list[dict[str, list[str]]] = [{"ApiKeyAuth": []}, {"BearerAuth": []}]
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
                "request_id": {"type": ["string", "null"]},
            },
        }
    },
}
_GATEWAY_RESPONSES = {
    "401": "Missing or invalid credentials",
    "403": "The caller lacks the required scope",
    "413": "Request body too large",
    "429": "Rate limited; see Retry-After",
    "502": "The upstream could not be reached",
    "503": "The upstream is unavailable (circuit open)",
    "504": "The upstream did not answer in time",
}


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/"):
                section, _, name = value[len("#/components/") :].partition("/")
                out[key] = f"#/components/{section}/{prefix}{name}"
            else:
                out[key] = _rewrite_refs(value, prefix)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, prefix) for v in node]
    return node


def _decorate(op: dict[str, Any], scope: str, auth: bool) -> None:
    if auth:
        op["security"] = SECURITY
    op["x-required-scope"] = scope
    responses = op.setdefault("responses", {})
    for status, description in _GATEWAY_RESPONSES.items():
        if not auth and status in ("401", "403"):
            continue
        responses.setdefault(
            status,
            {
                "description": description,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/GatewayError"}}
                },
            },
        )


def merge(
    gateway_spec: dict[str, Any],
    service_specs: dict[str, dict[str, Any] | None],
    routes: RouteTable,
    *,
    auth: bool,
) -> dict[str, Any]:
    merged = copy.deepcopy(gateway_spec)
    merged.setdefault("paths", {})
    components = merged.setdefault("components", {})
    components.setdefault("schemas", {})["GatewayError"] = ERROR_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    merged["security"] = SECURITY if auth else []
    tags = merged.setdefault("tags", [])
    unavailable = []
    for name, spec in service_specs.items():
        if spec is None:
            unavailable.append(name)
            continue
        prefix = f"{name}__"
        spec = _rewrite_refs(spec, prefix)
        for section, entries in (spec.get("components") or {}).items():
            if section == "securitySchemes":
                continue
            target = components.setdefault(section, {})
            for key, value in entries.items():
                target[prefix + key] = value
        info = spec.get("info") or {}
        tags.append({"name": name, "description": info.get("description", "")})
        for path, item in (spec.get("paths") or {}).items():
            segments = split_path(path)
            if segments is None or segments[0] != name:
                continue  # not reachable through the gateway
            item = copy.deepcopy(item)
            for method in _METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                route = routes.match(method.upper(), segments)
                op.setdefault("tags", [name])
                if "operationId" in op:
                    op["operationId"] = prefix + str(op["operationId"])
                _decorate(op, route.scope if route else f"{name}:read", auth)
            merged["paths"][path] = item
    if unavailable:
        merged.setdefault("info", {})["x-unavailable-services"] = unavailable
    return merged


class OpenApiAggregator:
    """Fetches and merges specs, cached for a while; a failed fetch is retried next time."""

    def __init__(
        self,
        upstreams: dict[str, Upstream],
        routes: RouteTable,
        *,
        auth: bool,
        cache_s: float,
        timeout_s: float,
    ) -> None:
        self.upstreams = upstreams
        self.routes = routes
        self.auth = auth
        self.cache_s = cache_s
        self.timeout_s = timeout_s
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def _fetch(self, upstream: Upstream) -> dict[str, Any] | None:
        try:
            resp = await asyncio.wait_for(upstream.control.get("/openapi.json"), self.timeout_s)
            resp.raise_for_status()
            spec: dict[str, Any] = resp.json()
            return spec
        except (httpx.HTTPError, TimeoutError, ValueError) as exc:
            log.warning("no OpenAPI from %s: %s", upstream.name, type(exc).__name__)
            return None

    async def spec(self, gateway_spec: dict[str, Any]) -> dict[str, Any]:
        async with self._lock:
            now = time.monotonic()
            if self._cached is not None and self._cached[0] > now:
                return self._cached[1]
            names = list(self.upstreams)
            fetched = await asyncio.gather(*(self._fetch(self.upstreams[n]) for n in names))
            specs = dict(zip(names, fetched, strict=True))
            merged = merge(gateway_spec, specs, self.routes, auth=self.auth)
            if all(s is not None for s in fetched):
                self._cached = (now + self.cache_s, merged)
            return merged
