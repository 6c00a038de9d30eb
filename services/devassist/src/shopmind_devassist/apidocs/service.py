"""API references: validate the document, group operations by service, render Markdown."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from shopmind_common.errors import NotFound, PayloadTooLarge, Unprocessable

from shopmind_devassist.apidocs.render import render_index, render_service
from shopmind_devassist.apidocs.schemas import ApiDocsRequest, ApiReference, ServiceSummary
from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.files import GeneratedFile
from shopmind_devassist.openapi.document import SpecDocument, parse_spec
from shopmind_devassist.openapi.suite import suite_spec

DOCS_DIR = "docs/api"


def _size_of(spec: dict[str, Any] | str) -> int:
    if isinstance(spec, str):
        return len(spec.encode())
    import json

    return len(json.dumps(spec, default=str).encode())


async def load_document(spec: dict[str, Any] | str | None, settings: DevassistSettings,
                        own_spec: Callable[[], dict[str, Any]], *, field_name: str = "body.spec"
                        ) -> tuple[SpecDocument, str, dict[str, str]]:
    """The posted document, or the suite's; validated. (doc, source, unreachable services)."""
    if spec is None:
        raw: dict[str, Any] | str = await suite_spec(
            settings, settings.suite_services, settings.service_name, own_spec)
        source = "suite"
        unreachable = dict(raw.get("x-shopmind-unreachable", {})) if isinstance(raw, dict) else {}
    else:
        if _size_of(spec) > settings.max_spec_bytes:
            raise PayloadTooLarge(
                f"spec is larger than DEVASSIST_MAX_SPEC_BYTES ({settings.max_spec_bytes})",
                details=[{"field": field_name, "limit": settings.max_spec_bytes}])
        raw, source, unreachable = spec, "posted", {}
    # validation walks the whole document; keep it off the event loop
    doc = await asyncio.to_thread(parse_spec, raw, field_name=field_name)
    return doc, source, unreachable


class ApiDocsService:
    def render(self, doc: SpecDocument, services: Sequence[str] | None,
               base_url: str) -> tuple[list[ServiceSummary], list[GeneratedFile]]:
        wanted = set(services) if services else None
        operations = doc.operations(wanted)
        if wanted:
            missing = sorted(wanted - {op.service for op in operations})
            if missing:
                raise NotFound(f"no operations for service(s) {', '.join(missing)}",
                               details={"services": missing, "available": doc.services()})
        if not operations:
            raise Unprocessable("the document has no operations to document",
                                details=[{"field": "body.spec.paths", "message": "empty"}])
        by_service: dict[str, list[Any]] = {}
        for op in operations:
            by_service.setdefault(op.service, []).append(op)
        files, summaries = [], []
        for service in sorted(by_service):
            path = f"{DOCS_DIR}/{service}.md"
            files.append(GeneratedFile(path=path, content=render_service(
                service, by_service[service], doc, base_url)))
            summaries.append(ServiceSummary(name=service, operations=len(by_service[service]),
                                            path=path))
        index = render_index(doc, {s.name: s.operations for s in summaries},
                             {s.name: f"{s.name}.md" for s in summaries})
        files.insert(0, GeneratedFile(path=f"{DOCS_DIR}/README.md", content=index))
        return summaries, files

    async def reference(self, request: ApiDocsRequest, settings: DevassistSettings,
                        own_spec: Callable[[], dict[str, Any]]) -> ApiReference:
        doc, source, unreachable = await load_document(request.spec, settings, own_spec)
        base_url = request.base_url or settings.public_base_url
        summaries, files = await asyncio.to_thread(self.render, doc, request.services, base_url)
        return ApiReference(title=doc.title, version=doc.version, source=source,  # type: ignore[arg-type]
                            services=summaries, files=files, unreachable=unreachable)


api_docs = ApiDocsService()
