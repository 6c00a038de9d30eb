"""Settings of the devassist service."""

from __future__ import annotations

from shopmind_common.settings import ServiceSettings


class DevassistSettings(ServiceSettings):
    service_name: str = "devassist"
