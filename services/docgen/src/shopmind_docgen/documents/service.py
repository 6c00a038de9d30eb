"""Documents: versions are appended, never changed; diffs and exports read them."""

from __future__ import annotations

import hashlib
from typing import Any

from shopmind_common.errors import NotFound, Unprocessable
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_docgen.db.models import Document, DocumentVersion, utcnow
from shopmind_docgen.documents import diff as _diff
from shopmind_docgen.documents.export import to_html
from shopmind_docgen.documents.repository import document_repository as repo
from shopmind_docgen.documents.schemas import (
    DiffOut,
    DocumentOut,
    DocumentPage,
    VersionOut,
    VersionSummary,
)
from shopmind_docgen.proofreading.schemas import ProofReport


def document_out(doc: Document) -> DocumentOut:
    return DocumentOut(id=doc.id, project_id=doc.project_id, type=doc.doc_type,
                       language=doc.language, variant=doc.variant, title=doc.title,
                       latest_version=doc.latest_version, created_at=doc.created_at,
                       updated_at=doc.updated_at)


def _summary(v: DocumentVersion) -> VersionSummary:
    return VersionSummary(document_id=v.document_id, version=v.version,
                          created_at=v.created_at, trigger=v.trigger, job_id=v.job_id,
                          content_hash=v.content_hash)


def _version_out(v: DocumentVersion) -> VersionOut:
    return VersionOut(**_summary(v).model_dump(), markdown=v.markdown,
                      proofreading=ProofReport.model_validate(v.proofreading),
                      generation=v.generation, source=v.source)


class DocumentService:
    async def publish(self, session: AsyncSession, *, project_id: str, doc_type: str,
                      language: str, variant: str, title: str, markdown: str,
                      proofreading: ProofReport, generation: dict[str, Any],
                      source: dict[str, Any], options: dict[str, Any], job_id: str | None,
                      trigger: str) -> tuple[Document, int, bool]:
        """Append a version; (document, version, unchanged). Same text -> no new version."""
        doc = await repo.find(session, project_id, doc_type, language, variant, for_update=True)
        if doc is None:
            doc = Document(project_id=project_id, doc_type=doc_type, language=language,
                           variant=variant, title=title, latest_version=0, options=options)
            repo.add(session, doc)
            await session.flush()
        digest = hashlib.sha256(markdown.encode()).hexdigest()
        if doc.latest_version:
            latest = await repo.version(session, doc.id, doc.latest_version)
            if latest is not None and latest.content_hash == digest:
                doc.options = options
                return doc, doc.latest_version, True
        number = doc.latest_version + 1
        repo.add(session, DocumentVersion(
            document_id=doc.id, version=number, markdown=markdown, content_hash=digest,
            proofreading=proofreading.model_dump(mode="json"), generation=generation,
            source=source, job_id=job_id, trigger=trigger))
        doc.latest_version = number
        doc.title = title
        doc.options = options
        doc.updated_at = utcnow()
        await session.flush()
        return doc, number, False

    async def _doc(self, session: AsyncSession, document_id: str) -> Document:
        doc = await repo.get(session, document_id)
        if doc is None:
            raise NotFound(f"document {document_id} not found",
                           details=[{"field": "path.document_id", "message": "unknown"}])
        return doc

    async def get(self, session: AsyncSession, document_id: str) -> DocumentOut:
        return document_out(await self._doc(session, document_id))

    async def page(self, session: AsyncSession, *, project_id: str | None,
                   doc_type: str | None, language: str | None, limit: int,
                   offset: int) -> DocumentPage:
        rows, total = await repo.page(session, project_id=project_id, doc_type=doc_type,
                                      language=language, limit=limit, offset=offset)
        nxt = offset + len(rows)
        return DocumentPage(items=[document_out(d) for d in rows], total=total, limit=limit,
                            offset=offset, next_offset=nxt if nxt < total else None)

    async def versions(self, session: AsyncSession, document_id: str) -> list[VersionSummary]:
        await self._doc(session, document_id)
        return [_summary(v) for v in await repo.versions(session, document_id)]

    async def _version(self, session: AsyncSession, doc: Document, ref: str,
                       field: str) -> DocumentVersion:
        if ref == "latest":
            number = doc.latest_version
        else:
            try:
                number = int(ref.removeprefix("v"))
            except ValueError:
                raise Unprocessable(f"{field} must be a version number or 'latest'",
                                    details=[{"field": field, "message": "not a version"}]
                                    ) from None
        version = await repo.version(session, doc.id, number) if number > 0 else None
        if version is None:
            raise NotFound(f"document {doc.id} has no version {ref}",
                           details=[{"field": field, "message": "no such version",
                                     "latest": doc.latest_version}])
        return version

    async def version(self, session: AsyncSession, document_id: str, ref: str) -> VersionOut:
        doc = await self._doc(session, document_id)
        return _version_out(await self._version(session, doc, ref, "path.version"))

    async def diff(self, session: AsyncSession, document_id: str, old: str,
                   new: str) -> DiffOut:
        doc = await self._doc(session, document_id)
        a = await self._version(session, doc, old, "query.from")
        b = await self._version(session, doc, new, "query.to")
        unified, stats = _diff.diff(a.markdown, b.markdown, old_label=f"v{a.version}",
                                    new_label=f"v{b.version}")
        return DiffOut(document_id=doc.id, from_version=a.version, to_version=b.version,
                       stats=stats, unified=unified)

    async def export(self, session: AsyncSession, document_id: str, ref: str,
                     fmt: str) -> tuple[str, str, str]:
        """(body, media type, file name)."""
        doc = await self._doc(session, document_id)
        v = await self._version(session, doc, ref, "path.version")
        stem = f"{doc.doc_type}-{doc.language}-v{v.version}"
        if fmt == "html":
            return (to_html(v.markdown, title=f"{doc.title} (v{v.version})",
                            language=doc.language), "text/html; charset=utf-8", f"{stem}.html")
        return v.markdown, "text/markdown; charset=utf-8", f"{stem}.md"

    async def status_reports(self, session: AsyncSession, project_id: str) -> list[Document]:
        reports: list[Document] = await repo.of_project(session, project_id, "status")
        return reports


documents = DocumentService()
