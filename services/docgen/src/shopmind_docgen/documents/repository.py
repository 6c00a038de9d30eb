"""Every query on documents and their versions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_docgen.db.models import Document, DocumentVersion


class DocumentRepository:
    async def get(self, session: AsyncSession, document_id: str) -> Document | None:
        return await session.get(Document, document_id)

    async def find(self, session: AsyncSession, project_id: str, doc_type: str, language: str,
                   variant: str, *, for_update: bool = False) -> Document | None:
        stmt = select(Document).where(Document.project_id == project_id,
                                      Document.doc_type == doc_type,
                                      Document.language == language,
                                      Document.variant == variant)
        if for_update:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def page(self, session: AsyncSession, *, project_id: str | None, doc_type: str | None,
                   language: str | None, limit: int, offset: int) -> tuple[list[Document], int]:
        conds = []
        if project_id is not None:
            conds.append(Document.project_id == project_id)
        if doc_type is not None:
            conds.append(Document.doc_type == doc_type)
        if language is not None:
            conds.append(Document.language == language)
        total = (await session.execute(select(func.count()).select_from(Document)
                                       .where(*conds))).scalar_one()
        rows = (await session.execute(
            select(Document).where(*conds).order_by(Document.updated_at.desc(), Document.id)
            .limit(limit).offset(offset))).scalars().all()
        return list(rows), int(total)

    async def of_project(self, session: AsyncSession, project_id: str,
                         doc_type: str) -> list[Document]:
        rows = await session.execute(select(Document).where(
            Document.project_id == project_id, Document.doc_type == doc_type,
            Document.latest_version > 0).order_by(Document.language, Document.variant))
        return list(rows.scalars().all())

    def add(self, session: AsyncSession, row: Document | DocumentVersion) -> None:
        session.add(row)

    async def version(self, session: AsyncSession, document_id: str,
                      version: int) -> DocumentVersion | None:
        stmt = select(DocumentVersion).where(DocumentVersion.document_id == document_id,
                                             DocumentVersion.version == version)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def versions(self, session: AsyncSession, document_id: str) -> list[DocumentVersion]:
        stmt = (select(DocumentVersion).where(DocumentVersion.document_id == document_id)
                .order_by(DocumentVersion.version))
        return list((await session.execute(stmt)).scalars().all())


document_repository = DocumentRepository()
