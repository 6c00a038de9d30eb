"""Settings of the gateway."""

from __future__ import annotations

from pydantic import Field
from shopmind_common.settings import ServiceSettings

SERVICES = ("projects", "docgen", "kg", "nlp", "decision", "devassist")


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    upstream_timeout_s: float = Field(default=60.0, alias="GATEWAY_UPSTREAM_TIMEOUT_S", gt=0)
    health_timeout_s: float = Field(default=2.0, alias="GATEWAY_HEALTH_TIMEOUT_S", gt=0)
