"""Generated files and how they leave the service: as JSON, or as one zip archive."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from enum import StrEnum
from pathlib import PurePosixPath

from fastapi.responses import Response
from pydantic import BaseModel, Field


class OutputFormat(StrEnum):
    json = "json"
    zip = "zip"


class GeneratedFile(BaseModel):
    path: str = Field(description="Path relative to the repository root, POSIX separators")
    content: str


def safe_relative(path: str) -> str:
    """A path that stays inside the archive: relative, no `..`, no drive."""
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(f"unsafe path {path!r}")
    return pure.as_posix()


def zip_bytes(files: Sequence[GeneratedFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            info = zipfile.ZipInfo(safe_relative(f.path), date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, f.content)
    return buffer.getvalue()


def zip_response(files: Sequence[GeneratedFile], filename: str) -> Response:
    return Response(
        zip_bytes(files), media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
