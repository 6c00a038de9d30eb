"""Tables of the projects service (SQLAlchemy 2, the same on PostgreSQL and SQLite).

Every mutable row carries `version`, SQLAlchemy's version counter: each UPDATE
says `WHERE version = <read version>`, so a concurrent write surfaces as
`StaleDataError` (412) instead of being silently lost. Relationships raise on
lazy loading, so an N+1 query pattern fails loudly instead of slowing down.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from shopmind_common.db import UTCDateTime, new_id, utcnow
from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON,
    }


class _Versioned:
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Project(_Versioned, Base):
    __tablename__ = "pm_project"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    target_date: Mapped[date | None] = mapped_column(Date)
    # ISO weekdays (1 = Monday) the team works; projections skip the others.
    work_days: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    hours_per_day: Mapped[float] = mapped_column(Float, default=8.0, nullable=False)
    # Next per-project task number; bumped with a plain UPDATE so the project's
    # own version (its ETag) does not change when tasks are added.
    task_seq: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Member(_Versioned, Base):
    __tablename__ = "pm_member"
    __table_args__ = (UniqueConstraint("project_id", "email", name="uq_pm_member_email"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("pm_project.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    skills: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    weekly_capacity_hours: Mapped[float] = mapped_column(Float, default=40.0, nullable=False)


class Milestone(_Versioned, Base):
    __tablename__ = "pm_milestone"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("pm_project.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)


class Task(_Versioned, Base):
    __tablename__ = "pm_task"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_pm_task_number"),
        Index("ix_pm_task_project_status", "project_id", "status"),
        Index("ix_pm_task_project_assignee", "project_id", "assignee_id"),
        Index("ix_pm_task_project_milestone", "project_id", "milestone_id"),
        Index("ix_pm_task_project_updated", "project_id", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("pm_project.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    milestone_id: Mapped[str | None] = mapped_column(
        ForeignKey("pm_milestone.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    priority: Mapped[str] = mapped_column(String(10), nullable=False)
    estimate_hours: Mapped[float | None] = mapped_column(Float)
    assignee_id: Mapped[str | None] = mapped_column(
        ForeignKey("pm_member.id", ondelete="SET NULL"))
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()

    label_rows: Mapped[list[TaskLabel]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise",
        order_by="TaskLabel.label")

    @property
    def labels(self) -> list[str]:
        return [row.label for row in self.label_rows]


class TaskLabel(Base):
    __tablename__ = "pm_task_label"
    __table_args__ = (Index("ix_pm_task_label_label", "label"),)

    task_id: Mapped[str] = mapped_column(
        ForeignKey("pm_task.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(100), primary_key=True)


class TaskDependency(_Versioned, Base):
    """Finish-to-start: the successor starts `lag_days` working days after the predecessor."""

    __tablename__ = "pm_task_dependency"
    __table_args__ = (
        UniqueConstraint("predecessor_id", "successor_id", name="uq_pm_dependency_pair"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("pm_project.id", ondelete="CASCADE"), nullable=False, index=True)
    predecessor_id: Mapped[str] = mapped_column(
        ForeignKey("pm_task.id", ondelete="CASCADE"), nullable=False, index=True)
    successor_id: Mapped[str] = mapped_column(
        ForeignKey("pm_task.id", ondelete="CASCADE"), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(30), default="finish_to_start", nullable=False)
    lag_days: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Comment(_Versioned, Base):
    __tablename__ = "pm_comment"
    __table_args__ = (Index("ix_pm_comment_task_created", "task_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("pm_project.id", ondelete="CASCADE"), nullable=False, index=True)
    task_id: Mapped[str] = mapped_column(
        ForeignKey("pm_task.id", ondelete="CASCADE"), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)


class Activity(Base):
    """One change to one entity; kept after the entity (and its project) are deleted."""

    __tablename__ = "pm_activity"
    __table_args__ = (
        Index("ix_pm_activity_project", "project_id", "id"),
        Index("ix_pm_activity_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(36), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(30), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(36), nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)


class IdempotencyKey(Base):
    """The stored answer to a create, replayed when the same key comes again."""

    __tablename__ = "pm_idempotency_key"

    scope: Mapped[str] = mapped_column(String(300), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False, index=True)
