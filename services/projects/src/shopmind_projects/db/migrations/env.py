"""Alembic environment: always run on the connection the service hands over."""

from __future__ import annotations

from alembic import context
from shopmind_projects.db.migrate import VERSION_TABLE
from shopmind_projects.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the service always passes its connection
    raise RuntimeError("run migrations through shopmind_projects.db.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,  # ALTERs that SQLite lacks become table copies
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
