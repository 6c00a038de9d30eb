"""The suite's own OpenAPI: the gateway's merged document, or one merged here.

When the gateway has a URL in `SHOPMIND_SERVICE_URLS`, its `/openapi.json` is
the source. Otherwise (all-in-one, or the gateway unknown) each service's own
document is fetched by name through `service_client` and merged the way the
gateway presents them: paths unchanged (services already mount `/v1/<name>/`),
each operation marked with `x-shopmind-service`, and a component schema that
two services define differently renamed `<Service><Name>` in the later one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from shopmind_common.errors import ServiceError, Unavailable
from shopmind_common.http import service_client
from shopmind_common.settings import ServiceSettings

from shopmind_devassist.openapi.document import HTTP_METHODS

SpecFetcher = Callable[[str], Any]


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node


def merge_specs(specs: Mapping[str, Mapping[str, Any]], *, title: str = "ShopMind",
                version: str = "1") -> dict[str, Any]:
    """Merge per-service documents into one, in service-name order."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": {},
        "components": {},
    }
    for service in sorted(specs):
        spec = specs[service]
        renames: dict[str, str] = {}
        for section, items in (spec.get("components") or {}).items():
            target = merged["components"].setdefault(section, {})
            for name, definition in items.items():
                if name in target and target[name] != definition:
                    new_name = f"{service.title().replace('_', '')}{name}"
                    renames[f"#/components/{section}/{name}"] = (
                        f"#/components/{section}/{new_name}")
        spec = _rewrite_refs(dict(spec), renames)
        for section, items in (spec.get("components") or {}).items():
            target = merged["components"][section]
            for name, definition in items.items():
                old = f"#/components/{section}/{name}"
                final = renames.get(old, old).rsplit("/", 1)[1]
                target[final] = definition
        for path, item in (spec.get("paths") or {}).items():
            out_item = merged["paths"].setdefault(path, {})
            for key, value in item.items():
                if key in HTTP_METHODS and isinstance(value, dict):
                    value = {**value, "x-shopmind-service": service}
                    value.setdefault("tags", [service])
                out_item[key] = value
    if not merged["components"]:
        merged.pop("components")
    return merged


def has_service_paths(spec: Mapping[str, Any]) -> bool:
    return any(str(p).startswith("/v1/") for p in (spec.get("paths") or {}))


async def _fetch(name: str, settings: ServiceSettings) -> dict[str, Any]:
    client = service_client(name, settings, timeout_s=15.0, retries=1)
    try:
        resp = await client.get("/openapi.json")
    finally:
        await client.aclose()
    if resp.status_code != 200:
        raise Unavailable(f"{name} answered {resp.status_code} for /openapi.json",
                          details={"upstream": name})
    try:
        body = resp.json()
    except json.JSONDecodeError as exc:
        raise Unavailable(f"{name} sent an /openapi.json that is not JSON",
                          details={"upstream": name}) from exc
    if not isinstance(body, dict):
        raise Unavailable(f"{name} sent an /openapi.json that is not an object",
                          details={"upstream": name})
    return body


async def suite_spec(settings: ServiceSettings, services: Sequence[str],
                     own_name: str, own_spec: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The merged suite document: the gateway's when reachable by URL, else merged here."""
    if settings.service_urls.get("gateway"):
        gateway = await _fetch("gateway", settings)
        if has_service_paths(gateway):
            return gateway

    async def one(name: str) -> tuple[str, dict[str, Any] | None, str | None]:
        if name == own_name and not settings.service_urls.get(name):
            return name, own_spec(), None
        try:
            return name, await _fetch(name, settings), None
        except ServiceError as exc:
            return name, None, exc.message

    results = await asyncio.gather(*(one(n) for n in services))
    specs = {name: spec for name, spec, _ in results if spec is not None}
    missing = {name: why for name, _, why in results if why is not None}
    if not specs:
        raise Unavailable("no service of the suite is reachable for its OpenAPI document",
                          details={"unreachable": missing})
    merged = merge_specs(specs)
    if missing:
        merged["x-shopmind-unreachable"] = missing
    return merged
