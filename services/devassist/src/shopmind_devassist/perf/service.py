"""Performance advice over one source text or a batch of files."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import asdict

from shopmind_common.errors import PayloadTooLarge, Unprocessable

from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.perf.rules import analyse_source
from shopmind_devassist.perf.schemas import Advice, AdviceRequest, FileError, Finding


class AdviceService:
    def _check_size(self, request: AdviceRequest, settings: DevassistSettings) -> None:
        texts = [request.source] if request.source is not None else \
            [f.content for f in request.files or []]
        if len(texts) > settings.max_source_files:
            raise PayloadTooLarge(
                f"more than DEVASSIST_MAX_SOURCE_FILES ({settings.max_source_files}) files",
                details=[{"field": "body.files", "limit": settings.max_source_files}])
        total = sum(len(t.encode()) for t in texts)
        if total > settings.max_source_bytes:
            raise PayloadTooLarge(
                f"source is larger than DEVASSIST_MAX_SOURCE_BYTES ({settings.max_source_bytes})",
                details=[{"field": "body.source" if request.source is not None else "body.files",
                          "limit": settings.max_source_bytes}])

    def analyse(self, request: AdviceRequest, settings: DevassistSettings) -> Advice:
        self._check_size(request, settings)
        findings: list[Finding] = []
        errors: list[FileError] = []
        if request.source is not None:
            try:
                raw = analyse_source(request.source, request.path)
            except SyntaxError as exc:
                raise Unprocessable(
                    f"source does not parse as Python: {exc.msg} (line {exc.lineno})",
                    details=[{"field": "body.source", "message": exc.msg, "line": exc.lineno}],
                ) from exc
            findings = [Finding(**asdict(f)) for f in raw]
            count = 1
        else:
            files = request.files or []
            count = len(files)
            for f in files:
                try:
                    findings += [Finding(**asdict(x)) for x in analyse_source(f.content, f.path)]
                except SyntaxError as exc:
                    errors.append(FileError(path=f.path, line=exc.lineno, message=exc.msg))
            if errors and len(errors) == len(files):
                raise Unprocessable(
                    "no file parses as Python",
                    details=[{"field": f"body.files.{i}.content", "message": e.message,
                              "line": e.line} for i, e in enumerate(errors)])
        counts = Counter(f.rule for f in findings)
        return Advice(files=count, findings=findings, counts=dict(sorted(counts.items())),
                      errors=errors)

    async def advise(self, request: AdviceRequest, settings: DevassistSettings) -> Advice:
        return await asyncio.to_thread(self.analyse, request, settings)


advice = AdviceService()
