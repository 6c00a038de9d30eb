"""`shopmind keys create|list|revoke` against the gateway's store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shopmind_cli.main import app as cli
from shopmind_common.settings import get_settings
from typer.testing import CliRunner


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SHOPMIND_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    return result


def test_create_list_revoke(store_env: Path) -> None:
    created = _invoke("keys", "create", "--name", "ci", "--scopes", "nlp:read,projects:write")
    assert created.exit_code == 0, created.output
    key = next(line.split()[1] for line in created.stdout.splitlines() if line.startswith("key:"))
    assert key.startswith("smk_")
    key_id = key.split("_")[1]
    assert (store_env / "gateway.db").exists()

    listed = _invoke("keys", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["name"], r["scopes"]) for r in rows] == [
        (key_id, "ci", ["nlp:read", "projects:write"])
    ]
    assert key not in listed.stdout

    revoked = _invoke("keys", "revoke", key_id)
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert json.loads(_invoke("keys", "list", "--json").stdout) == []
    assert len(json.loads(_invoke("keys", "list", "--all", "--json").stdout)) == 1


def test_errors_are_reported(store_env: Path) -> None:
    bad = _invoke("keys", "create", "--name", "x", "--scopes", "nlp:everything")
    assert bad.exit_code == 2 and "unknown scope" in bad.output
    missing = _invoke("keys", "revoke", "ffffffffffffffff")
    assert missing.exit_code == 1 and "no API key" in missing.output


@pytest.fixture
def cli_key(store_env: Path) -> str:
    """A key made by the CLI (run outside the event loop, as from a shell)."""
    created = _invoke("keys", "create", "--name", "app", "--scopes", "nlp:read", "--json")
    assert created.exit_code == 0, created.output
    return str(json.loads(created.stdout)["key"])


async def test_cli_key_works_at_the_gateway(cli_key: str, gateway: Any) -> None:
    key = cli_key
    # The gateway fixture keeps its store in the same tmp dir as the CLI.
    async with gateway(GATEWAY_AUTH="on") as h:
        assert (await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": key})).status_code == 200
