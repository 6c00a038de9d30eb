"""Migrations: they build exactly the models' schema, on SQLite and PostgreSQL, and rerun safely."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from shopmind_common.db import Database
from shopmind_common.events.outbox import outbox_metadata
from shopmind_projects.db.migrate import VERSION_TABLE, head_revision, migrate
from shopmind_projects.db.models import Base
from sqlalchemy import Connection, MetaData, inspect

CASES = [("sqlite", False), ("sqlite", True),
         pytest.param("postgres", False, marks=pytest.mark.postgres)]


def _url(request: pytest.FixtureRequest, tmp_path: Any, backend: str) -> str:
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"


def _diff(conn: Connection, metadata: MetaData, prefix: str) -> list[Any]:
    """Differences between the database and `metadata`, for tables named with `prefix`."""
    ctx = MigrationContext.configure(conn, opts={
        "version_table": VERSION_TABLE, "compare_type": True,
        "include_name": lambda name, type_, _parent: (
            type_ != "table" or bool(name and name.startswith(prefix)))})
    return list(compare_metadata(ctx, metadata))


@pytest.mark.parametrize(("backend", "outbox_exists"), CASES)
async def test_migrations_match_models_and_rerun(request: pytest.FixtureRequest, tmp_path: Any,
                                                 backend: str, outbox_exists: bool) -> None:
    db = Database(_url(request, tmp_path, backend))
    try:
        if outbox_exists:  # another service sharing the database made it already
            async with db.engine.begin() as conn:
                await conn.run_sync(outbox_metadata.create_all)
        assert await migrate(db.engine) == head_revision() == "0001"
        assert await migrate(db.engine) == "0001"  # a restart changes nothing
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff, Base.metadata, "pm_") == []
            # The outbox this migration creates is the one the shared relay expects.
            assert await conn.run_sync(_diff, outbox_metadata, "shopmind_") == []
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"pm_project", "pm_task", "pm_task_dependency", "pm_activity",
                "shopmind_outbox", VERSION_TABLE} <= tables
    finally:
        await db.dispose()
