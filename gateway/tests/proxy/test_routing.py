from __future__ import annotations

from pathlib import Path

from shopmind_gateway.config import GatewaySettings, RouteRule
from shopmind_gateway.proxy.routing import RouteTable, split_path


def _table(tmp_path: Path, *rules: RouteRule) -> RouteTable:
    settings = GatewaySettings(
        SHOPMIND_DATA_DIR=str(tmp_path),
        GATEWAY_ROUTES=list(rules),
        GATEWAY_UPSTREAM_TIMEOUT_S=60,
        GATEWAY_RATE_LIMIT_PER_S=50,
        GATEWAY_RATE_LIMIT_BURST=100,
    )
    return RouteTable(settings, ["nlp", "kg", "docgen"])


def _match(table: RouteTable, method: str, path: str):  # type: ignore[no-untyped-def]
    segments = split_path(path)
    assert segments is not None
    return table.match(method, segments)


def test_scopes_follow_the_method(tmp_path: Path) -> None:
    table = _table(tmp_path)
    for method in ("GET", "HEAD", "OPTIONS"):
        assert _match(table, method, "/v1/nlp/sentiment").scope == "nlp:read"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert _match(table, method, "/v1/nlp/sentiment").scope == "nlp:write"
    assert _match(table, "GET", "/v1/billing/x") is None
    assert split_path("/healthz") is None


def test_longest_prefix_wins_with_wildcards_and_methods(tmp_path: Path) -> None:
    table = _table(
        tmp_path,
        RouteRule(prefix="/v1/*/admin", scope="admin"),
        RouteRule(
            prefix="/v1/docgen/jobs",
            methods=frozenset({"POST"}),
            timeout_s=300,
            rate_per_s=1,
            burst=2,
        ),
        RouteRule(prefix="/v1/docgen/jobs/export", timeout_s=30, name="export"),
    )
    post = _match(table, "POST", "/v1/docgen/jobs")
    assert (post.timeout_s, post.rate_per_s, post.burst, post.name) == (
        300,
        1,
        2,
        "/v1/docgen/jobs",
    )
    get = _match(table, "GET", "/v1/docgen/jobs/1")
    assert (get.timeout_s, get.name, get.scope) == (60, "/v1/docgen", "docgen:read")
    export = _match(table, "POST", "/v1/docgen/jobs/export/1")
    assert (export.timeout_s, export.name) == (30, "export")
    assert _match(table, "GET", "/v1/kg/admin/stats").scope == "admin"
    assert _match(table, "GET", "/v1/kg/administer").scope == "kg:read"  # segment boundary
    assert _match(table, "GET", "/v1/nlp/admin").name == "/v1/nlp/admin"
