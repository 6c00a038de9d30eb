"""The gateway's Prometheus metrics, on the app's registry (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shopmind_gateway.proxy.breaker import BreakerState


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "gateway_requests_total",
            "Requests through the gateway",
            ["route", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "gateway_request_duration_seconds",
            "Time from request to response start",
            ["route", "method", "status"],
            registry=registry,
            buckets=(
                0.0005,
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1,
                2.5,
                5,
                10,
                30,
            ),
        )
        self.upstream_errors = Counter(
            "gateway_upstream_errors_total",
            "Upstream failures by kind",
            ["upstream", "kind"],
            registry=registry,
        )
        self.breaker_state = Gauge(
            "gateway_circuit_breaker_state",
            "0 closed, 1 half-open, 2 open",
            ["upstream"],
            registry=registry,
        )
        self.breaker_transitions = Counter(
            "gateway_circuit_breaker_transitions_total",
            "Breaker state changes",
            ["upstream", "state"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "gateway_rate_limit_rejections_total",
            "Requests refused with 429",
            ["route"],
            registry=registry,
        )
        self.rate_limit_backend_errors = Counter(
            "gateway_rate_limit_backend_errors_total",
            "Rate-limit backend failures (requests let through)",
            registry=registry,
        )
        self.auth_failures = Counter(
            "gateway_auth_failures_total",
            "Requests refused with 401 or 403",
            ["code"],
            registry=registry,
        )
        # Children cached: labels() costs more than the increment itself.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            s = str(status)
            children = (
                self.requests.labels(route, method, s),
                self.latency.labels(route, method, s),
            )
            if len(self._children) < 10_000:
                self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def breaker_changed(self, upstream: str, state: BreakerState) -> None:
        self.breaker_state.labels(upstream).set(int(state))
        self.breaker_transitions.labels(upstream, state.name.lower()).inc()
