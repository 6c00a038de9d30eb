"""Document endpoints under /v1/docgen/documents."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shopmind_docgen.deps import LimitDep, OffsetDep, SessionDep
from shopmind_docgen.documents.schemas import (
    DiffOut,
    DocumentOut,
    DocumentPage,
    VersionOut,
    VersionSummary,
)
from shopmind_docgen.documents.service import documents
from shopmind_docgen.jobs.schemas import DocType, Language

router = APIRouter(prefix="/v1/docgen/documents", tags=["documents"])


@router.get("", response_model=DocumentPage)
async def list_documents(session: SessionDep,
                         project_id: Annotated[str | None, Query(max_length=36)] = None,
                         type: DocType | None = None, language: Language | None = None,
                         limit: LimitDep = 50, offset: OffsetDep = 0) -> DocumentPage:
    """Documents, most recently updated first."""
    return await documents.page(session, project_id=project_id, doc_type=type,
                                language=language, limit=limit, offset=offset)


@router.get("/{document_id}", response_model=DocumentOut)
async def get_document(document_id: str, session: SessionDep) -> DocumentOut:
    """A document and its latest version number."""
    return await documents.get(session, document_id)


@router.get("/{document_id}/versions", response_model=list[VersionSummary])
async def list_versions(document_id: str, session: SessionDep) -> list[VersionSummary]:
    """Every version, oldest first."""
    versions: list[VersionSummary] = await documents.versions(session, document_id)
    return versions


@router.get("/{document_id}/versions/{version}", response_model=VersionOut)
async def get_version(document_id: str, version: str, session: SessionDep) -> VersionOut:
    """One version (a number, or `latest`) with its text and proofreading report."""
    return await documents.version(session, document_id, version)


@router.get("/{document_id}/diff", response_model=DiffOut)
async def diff_versions(document_id: str, session: SessionDep,
                        from_: Annotated[str, Query(alias="from", max_length=20)] = "latest",
                        to: Annotated[str, Query(max_length=20)] = "latest") -> DiffOut:
    """A unified diff between two versions, and the sections it touches."""
    return await documents.diff(session, document_id, from_, to)


@router.get("/{document_id}/versions/{version}/export",
            responses={200: {"content": {"text/markdown": {}, "text/html": {}}}})
async def export_version(document_id: str, version: str, session: SessionDep,
                         format: Literal["md", "html"] = "md") -> Response:
    """The version as a Markdown or HTML file."""
    body, media_type, name = await documents.export(session, document_id, version, format)
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
