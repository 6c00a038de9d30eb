"""Settings of the kg service."""

from __future__ import annotations

from shopmind_common.settings import ServiceSettings


class KgSettings(ServiceSettings):
    service_name: str = "kg"
