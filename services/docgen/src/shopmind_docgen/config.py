"""Settings of the docgen service."""

from __future__ import annotations

from shopmind_common.settings import ServiceSettings


class DocgenSettings(ServiceSettings):
    service_name: str = "docgen"
