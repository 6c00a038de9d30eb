"""Service-to-service HTTP: by name, in process (all-in-one) or over the network.

`service_client("nlp", settings)` returns a client whose transport is the nlp
app itself when it runs in this process, or `SHOPMIND_SERVICE_URLS["nlp"]`
otherwise. Request and trace ids travel with every call; connect errors on
idempotent methods are retried with backoff.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from starlette.types import ASGIApp

from shopmind_common import tracing
from shopmind_common.context import request_id_var, trace_id_var
from shopmind_common.errors import BadRequest, Unavailable
from shopmind_common.settings import ServiceSettings

_local_apps: dict[str, ASGIApp] = {}
_IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


def register_local_app(name: str, app: ASGIApp) -> None:
    """Make a service reachable in process (the all-in-one runner does this)."""
    _local_apps[name] = app


def local_app(name: str) -> ASGIApp | None:
    return _local_apps.get(name)


class ServiceClient:
    def __init__(
        self,
        name: str,
        *,
        base_url: str | None = None,
        app: ASGIApp | None = None,
        timeout_s: float = 30.0,
        retries: int = 2,
    ) -> None:
        if (base_url is None) == (app is None):
            raise ValueError("give exactly one of base_url or app")
        self.name = name
        self.retries = retries
        transport = httpx.ASGITransport(app=app) if app is not None else None
        self._client = httpx.AsyncClient(
            base_url=base_url or f"http://{name}.local",
            transport=transport,
            timeout=timeout_s,
        )

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if (rid := request_id_var.get()) is not None:
            headers.setdefault("x-request-id", rid)
        if (tid := trace_id_var.get()) is not None:
            headers.setdefault("x-trace-id", tid)
        tracing.inject(headers)  # the callee's server span becomes a child of ours
        return headers

    async def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        attempts = self.retries + 1 if method.upper() in _IDEMPOTENT else 1
        delay = 0.1
        for attempt in range(1, attempts + 1):
            try:
                return await self._client.request(
                    method, path, headers=self._headers(headers), **kwargs
                )
            except httpx.InvalidURL as exc:
                # An id with characters no URL can carry: the caller's input, not our fault.
                raise BadRequest(
                    f"cannot call {self.name} with that path: {exc}",
                    details={"upstream": self.name, "path": path[:200]},
                ) from exc
            except httpx.ConnectError as exc:
                if attempt == attempts:
                    raise Unavailable(
                        f"{self.name} is unreachable: {exc}", details={"upstream": self.name}
                    ) from exc
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def aclose(self) -> None:
        await self._client.aclose()


def service_client(name: str, settings: ServiceSettings, **kwargs: Any) -> ServiceClient:
    """A client for the named service: its URL from settings, else the in-process app."""
    url = settings.service_urls.get(name)
    if url:
        return ServiceClient(name, base_url=url, **kwargs)
    app = local_app(name)
    if app is None:
        raise Unavailable(
            f"no URL configured for service {name!r} and it is not in process",
            details={"upstream": name, "setting": "SHOPMIND_SERVICE_URLS"},
        )
    return ServiceClient(name, app=app, **kwargs)
