"""The route table: which upstream a path goes to and the rule that applies to it."""

from __future__ import annotations

from dataclasses import dataclass

from shopmind_gateway.config import GatewaySettings, RouteRule

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class Route:
    """What the gateway does with one request: all defaults already applied."""

    service: str
    name: str  # metrics label and rate-limit bucket; never the raw path
    scope: str
    timeout_s: float
    rate_per_s: float
    burst: int
    max_body_bytes: int


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    segments: tuple[str, ...]  # after "v1"; "*" matches any one segment
    rule: RouteRule

    def matches(self, method: str, segments: list[str]) -> bool:
        if self.rule.methods is not None and method not in self.rule.methods:
            return False
        if len(segments) < len(self.segments):
            return False
        return all(want in ("*", got) for want, got in zip(self.segments, segments, strict=False))


def split_path(path: str) -> list[str] | None:
    """The segments after `/v1/`, or None when the path is not a service path."""
    if not path.startswith("/v1/"):
        return None
    return path[4:].split("/")


class RouteTable:
    """Rules indexed by service; the longest matching prefix wins."""

    def __init__(self, settings: GatewaySettings, services: list[str]) -> None:
        self._settings = settings
        compiled = [
            _CompiledRule(tuple(s for s in r.prefix[4:].rstrip("/").split("/")), r)
            for r in settings.routes
        ]
        compiled.sort(key=lambda c: len(c.segments), reverse=True)
        self._rules: dict[str, list[_CompiledRule]] = {
            svc: [c for c in compiled if c.segments[0] in ("*", svc)] for svc in services
        }
        # Most requests match no rule: keep their Route objects ready.
        self._defaults: dict[tuple[str, bool], Route] = {}
        for svc in services:
            for safe in (True, False):
                self._defaults[(svc, safe)] = self._route(svc, safe, None)

    def _route(self, service: str, safe: bool, rule: RouteRule | None) -> Route:
        s = self._settings
        scope = f"{service}:{'read' if safe else 'write'}"
        if rule is None:
            return Route(
                service,
                f"/v1/{service}",
                scope,
                s.upstream_timeout_s,
                s.rate_limit_per_s,
                s.rate_limit_burst,
                s.max_body_bytes,
            )
        return Route(
            service=service,
            name=rule.name or rule.prefix.replace("*", service),
            scope=rule.scope or scope,
            timeout_s=rule.timeout_s or s.upstream_timeout_s,
            rate_per_s=rule.rate_per_s if rule.rate_per_s is not None else s.rate_limit_per_s,
            burst=rule.burst or s.rate_limit_burst,
            max_body_bytes=(
                rule.max_body_bytes if rule.max_body_bytes is not None else s.max_body_bytes
            ),
        )

    def match(self, method: str, segments: list[str]) -> Route | None:
        service = segments[0]
        rules = self._rules.get(service)
        if rules is None:
            return None
        safe = method in SAFE_METHODS
        for compiled in rules:
            if compiled.matches(method, segments):
                return self._route(service, safe, compiled.rule)
        return self._defaults[(service, safe)]
