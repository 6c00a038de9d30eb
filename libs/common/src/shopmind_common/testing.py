"""Shared pytest fixtures for every package's tests (loaded with `-p shopmind_common.testing`).

Real-infrastructure fixtures read the connection settings `make test` exports
(`KAFKA_BOOTSTRAP`, `NEO4J_URI`, `DATABASE_URL`, `REDIS_URL`). Without them a
test that needs one is skipped — unless `SHOPMIND_REQUIRE_INFRA=1` (set by
`make test`), where a missing backend fails the run instead of hiding it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from shopmind_common.events import InProcessBus
from shopmind_common.events.bus import EventBus


def _require(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        if os.environ.get("SHOPMIND_REQUIRE_INFRA") == "1":
            pytest.fail(f"{var} is not set but SHOPMIND_REQUIRE_INFRA=1: is the infra up?")
        pytest.skip(f"{var} not set (run through `make test` for the real backend)")
    return value


def unique(prefix: str = "t") -> str:
    """A short unique name for topics, groups, databases and graph labels."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return _require("KAFKA_BOOTSTRAP")


@pytest.fixture
def kafka_topic_prefix() -> str:
    """A prefix that isolates this test's topics on the shared broker."""
    return unique("test-") + "."


@asynccontextmanager
async def open_kafka_bus(bootstrap: str, topic_prefix: str) -> AsyncIterator[EventBus]:
    """A started KafkaBus, closed on exit (for fixtures that pick a backend by parameter)."""
    from shopmind_common.events.kafka import KafkaBus

    bus = KafkaBus(bootstrap, client_id="pytest", topic_prefix=topic_prefix)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()


@pytest.fixture
async def kafka_bus(kafka_bootstrap: str, kafka_topic_prefix: str) -> AsyncIterator[EventBus]:
    async with open_kafka_bus(kafka_bootstrap, kafka_topic_prefix) as bus:
        yield bus


@pytest.fixture
def memory_bus() -> InProcessBus:
    return InProcessBus()


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    return _require("NEO4J_URI")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _require("REDIS_URL")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The DATABASE_URL of the server `make test` started (a role that may CREATE DATABASE)."""
    return _require("DATABASE_URL")


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    base, _, _db = postgres_admin_url.rpartition("/")
    name = unique("test_")
    plain = postgres_admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def check_platform_endpoints(client: httpx.AsyncClient, service: str) -> dict[str, Any]:
    """What every service app answers on the platform's endpoints (health, readiness,
    info, metrics); returns `ready` and `info` bodies for the service's own checks."""
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": service}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    info = (await client.get("/info")).json()
    assert info["service"] == service
    assert info["backends"]["events"] == "in-process"
    metrics = await client.get("/metrics")
    assert "http_requests_total" in metrics.text
    return {"ready": ready.json(), "info": info}


async def check_unknown_route(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    """An unknown route is a JSON 404 carrying the request id; returns the error."""
    resp = await client.get(path)
    assert resp.status_code == 404
    error: dict[str, Any] = resp.json()["error"]
    assert error["code"] == "not_found"
    assert error["request_id"] == resp.headers["x-request-id"]
    return error
