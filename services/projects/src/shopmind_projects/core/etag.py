"""Strong ETags from row versions, and the If-Match check of a write."""

from __future__ import annotations

from shopmind_common.errors import PreconditionFailed

from shopmind_projects.core.errors import PreconditionRequired, field_error


def etag_of(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    # A weak validator (W/) from an intermediary is compared by its opaque value.
    return [part.strip().removeprefix("W/") for part in header.split(",") if part.strip()]


def check_if_match(if_match: str | None, version: int, *, required: bool) -> None:
    """412 when the client's copy is stale; 428 when a required If-Match is missing."""
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "this write needs an If-Match header with the resource's ETag",
                details=field_error("header.If-Match", "missing"))
        return
    tags = _tags(if_match)
    if "*" in tags or etag_of(version) in tags:
        return
    raise PreconditionFailed(
        "the resource changed since it was read; fetch it again and retry",
        details=field_error("header.If-Match", "stale", expected=tags,
                            current=etag_of(version)),
        headers={"ETag": etag_of(version)},
    )
