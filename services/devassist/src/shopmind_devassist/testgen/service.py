"""Test generation: from an OpenAPI document, or from a module's source."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from shopmind_common.errors import NotFound, PayloadTooLarge, Unprocessable

from shopmind_devassist.apidocs.service import load_document
from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.files import GeneratedFile
from shopmind_devassist.testgen.from_openapi import generate_api_tests
from shopmind_devassist.testgen.from_source import generate_source_tests
from shopmind_devassist.testgen.schemas import ApiTestsRequest, GeneratedTests, SourceTestsRequest

_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def module_from_path(path: str) -> str:
    """`services/x/src/pkg/mod.py` -> `pkg.mod` (src layout, else the path itself)."""
    pure = PurePosixPath(path.replace("\\", "/"))
    parts = list(pure.with_suffix("").parts)
    if "src" in parts:
        parts = parts[len(parts) - parts[::-1].index("src"):]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    module = ".".join(parts)
    if not _MODULE.match(module):
        raise Unprocessable(f"cannot derive a module name from path {path!r}",
                            details=[{"field": "body.path", "message": "give body.module"}])
    return module


class TestGenService:
    async def api_tests(self, request: ApiTestsRequest, settings: DevassistSettings,
                        own_spec: Callable[[], dict[str, Any]]) -> GeneratedTests:
        doc, source, _ = await load_document(request.spec, settings, own_spec)
        wanted = set(request.services) if request.services else None
        operations = doc.operations(wanted)
        if wanted and (missing := sorted(wanted - {op.service for op in operations})):
            raise NotFound(f"no operations for service(s) {', '.join(missing)}",
                           details={"services": missing, "available": doc.services()})
        if not operations:
            raise Unprocessable("the document has no operations to test",
                                details=[{"field": "body.spec.paths", "message": "empty"}])
        error_field = request.error_field or ("error" if source == "suite" else None)
        generated = await asyncio.to_thread(
            generate_api_tests, doc, operations,
            base_url=request.base_url or settings.public_base_url, error_field=error_field,
            max_invalid=request.max_invalid_per_operation)
        name = "_".join(sorted(request.services)) if request.services else "api"
        slug = re.sub(r"\W+", "_", name).lower()
        return GeneratedTests(
            files=[GeneratedFile(path=f"tests/api/test_{slug}_generated.py",
                                 content=generated.content)],
            tests=_count_tests(generated.content),
            cases=generated.valid_cases + generated.invalid_cases)

    def source_tests(self, request: SourceTestsRequest, settings: DevassistSettings
                     ) -> GeneratedTests:
        if len(request.source.encode()) > settings.max_source_bytes:
            raise PayloadTooLarge(
                f"source is larger than DEVASSIST_MAX_SOURCE_BYTES ({settings.max_source_bytes})",
                details=[{"field": "body.source", "limit": settings.max_source_bytes}])
        module = request.module or module_from_path(request.path or "")
        try:
            generated = generate_source_tests(request.source, module)
        except SyntaxError as exc:
            raise Unprocessable(
                f"source does not parse as Python: {exc.msg} (line {exc.lineno})",
                details=[{"field": "body.source", "message": exc.msg, "line": exc.lineno}],
            ) from exc
        if not generated.functions and not generated.skipped:
            raise Unprocessable("the source has no public function to test",
                                details=[{"field": "body.source",
                                          "message": "no public function or method"}])
        leaf = module.rsplit(".", 1)[-1]
        return GeneratedTests(
            files=[GeneratedFile(path=f"tests/test_{leaf}_edges.py", content=generated.content)],
            tests=len(generated.functions) + len(generated.skipped), cases=generated.cases,
            skipped=generated.skipped)


def _count_tests(content: str) -> int:
    return len(re.findall(r"^def test_", content, flags=re.MULTILINE))


testgen = TestGenService()
