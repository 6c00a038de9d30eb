"""Initial schema: projects, members, milestones, tasks, labels, dependencies,
comments, the activity log, idempotency keys and the shared event outbox.

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create_outbox() -> None:
    # The outbox table is shared with other services that may use the same database
    # (its definition lives in shopmind_common.events.outbox); create it only if absent.
    if sa.inspect(op.get_bind()).has_table("shopmind_outbox"):
        return
    op.create_table(
        "shopmind_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shopmind_outbox_published_at", "shopmind_outbox", ["published_at"])


def upgrade() -> None:
    _create_outbox()
    op.create_table(
        "pm_activity",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("entity_type", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pm_activity", schema=None) as batch_op:
        batch_op.create_index("ix_pm_activity_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index("ix_pm_activity_project", ["project_id", "id"], unique=False)

    op.create_table(
        "pm_idempotency_key",
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    with op.batch_alter_table("pm_idempotency_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pm_idempotency_key_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "pm_project",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("work_days", sa.JSON(), nullable=False),
        sa.Column("hours_per_day", sa.Float(), nullable=False),
        sa.Column("task_seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pm_project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pm_project_status"), ["status"], unique=False)

    op.create_table(
        "pm_member",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("weekly_capacity_hours", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["pm_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "email", name="uq_pm_member_email"),
    )
    with op.batch_alter_table("pm_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pm_member_project_id"), ["project_id"], unique=False)

    op.create_table(
        "pm_milestone",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["pm_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pm_milestone", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pm_milestone_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "pm_task",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("estimate_hours", sa.Float(), nullable=True),
        sa.Column("assignee_id", sa.String(length=36), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["pm_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["milestone_id"], ["pm_milestone.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["project_id"], ["pm_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "number", name="uq_pm_task_number"),
    )
    with op.batch_alter_table("pm_task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pm_task_project_assignee", ["project_id", "assignee_id"], unique=False
        )
        batch_op.create_index(
            "ix_pm_task_project_milestone", ["project_id", "milestone_id"], unique=False
        )
        batch_op.create_index("ix_pm_task_project_status", ["project_id", "status"], unique=False)
        batch_op.create_index(
            "ix_pm_task_project_updated", ["project_id", "updated_at"], unique=False
        )

    op.create_table(
        "pm_comment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["pm_project.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["pm_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pm_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pm_comment_project_id"), ["project_id"], unique=False)
        batch_op.create_index("ix_pm_comment_task_created", ["task_id", "created_at"], unique=False)

    op.create_table(
        "pm_task_dependency",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("predecessor_id", sa.String(length=36), nullable=False),
        sa.Column("successor_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("lag_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["predecessor_id"], ["pm_task.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["pm_project.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["successor_id"], ["pm_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("predecessor_id", "successor_id", name="uq_pm_dependency_pair"),
    )
    with op.batch_alter_table("pm_task_dependency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pm_task_dependency_predecessor_id"), ["predecessor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pm_task_dependency_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pm_task_dependency_successor_id"), ["successor_id"], unique=False
        )

    op.create_table(
        "pm_task_label",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["pm_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id", "label"),
    )
    with op.batch_alter_table("pm_task_label", schema=None) as batch_op:
        batch_op.create_index("ix_pm_task_label_label", ["label"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pm_task_label", schema=None) as batch_op:
        batch_op.drop_index("ix_pm_task_label_label")

    op.drop_table("pm_task_label")
    with op.batch_alter_table("pm_task_dependency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pm_task_dependency_successor_id"))
        batch_op.drop_index(batch_op.f("ix_pm_task_dependency_project_id"))
        batch_op.drop_index(batch_op.f("ix_pm_task_dependency_predecessor_id"))

    op.drop_table("pm_task_dependency")
    with op.batch_alter_table("pm_comment", schema=None) as batch_op:
        batch_op.drop_index("ix_pm_comment_task_created")
        batch_op.drop_index(batch_op.f("ix_pm_comment_project_id"))

    op.drop_table("pm_comment")
    with op.batch_alter_table("pm_task", schema=None) as batch_op:
        batch_op.drop_index("ix_pm_task_project_updated")
        batch_op.drop_index("ix_pm_task_project_status")
        batch_op.drop_index("ix_pm_task_project_milestone")
        batch_op.drop_index("ix_pm_task_project_assignee")

    op.drop_table("pm_task")
    with op.batch_alter_table("pm_milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pm_milestone_project_id"))

    op.drop_table("pm_milestone")
    with op.batch_alter_table("pm_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pm_member_project_id"))

    op.drop_table("pm_member")
    with op.batch_alter_table("pm_project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pm_project_status"))

    op.drop_table("pm_project")
    with op.batch_alter_table("pm_idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pm_idempotency_key_created_at"))

    op.drop_table("pm_idempotency_key")
    with op.batch_alter_table("pm_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_pm_activity_project")
        batch_op.drop_index("ix_pm_activity_entity")

    op.drop_table("pm_activity")
    # shopmind_outbox stays: other services may share it.
