"""Settings of the projects service."""

from __future__ import annotations

from shopmind_common.settings import ServiceSettings


class ProjectsSettings(ServiceSettings):
    service_name: str = "projects"
