"""Tables of the docgen service (SQLAlchemy 2, the same on PostgreSQL and SQLite)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from shopmind_common.db import UTCDateTime, new_id, utcnow
from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Document(Base):
    """One document (a project's plan in English, say); its text lives in versions."""

    __tablename__ = "docgen_documents"
    __table_args__ = (
        UniqueConstraint("project_id", "doc_type", "language", "variant",
                         name="uq_docgen_documents_identity"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(36), index=True)
    doc_type: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    # Tells apart documents of one type and language: release notes per milestone.
    variant: Mapped[str] = mapped_column(String(64), default="")
    title: Mapped[str] = mapped_column(String(500))
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    # The request options of the latest version, reused by event-driven refreshes.
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DocumentVersion(Base):
    __tablename__ = "docgen_document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version",
                                       name="uq_docgen_versions_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("docgen_documents.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    markdown: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    proofreading: Mapped[dict[str, Any]] = mapped_column(JSON)
    generation: Mapped[dict[str, Any]] = mapped_column(JSON)  # prose sources, model, timings
    source: Mapped[dict[str, Any]] = mapped_column(JSON)  # project version, fetched_at, as_of
    job_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    trigger: Mapped[str] = mapped_column(String(16), default="request")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    __tablename__ = "docgen_jobs"
    __table_args__ = (Index("ix_docgen_jobs_status", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    project_id: Mapped[str] = mapped_column(String(36), index=True)
    doc_type: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    trigger: Mapped[str] = mapped_column(String(16), default="request")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(64), default="queued")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    document_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unchanged: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    proofreading: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    draft: Mapped[str | None] = mapped_column(Text, nullable=True)  # a rejected document
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PendingRefresh(Base):
    """A project whose status reports are due for regeneration (debounced)."""

    __tablename__ = "docgen_pending_refresh"

    project_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    changes: Mapped[int] = mapped_column(Integer, default=1)
    first_change_at: Mapped[datetime] = mapped_column(default=utcnow)
