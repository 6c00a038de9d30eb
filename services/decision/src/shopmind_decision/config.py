"""Settings of the decision service."""

from __future__ import annotations

from shopmind_common.settings import ServiceSettings


class DecisionSettings(ServiceSettings):
    service_name: str = "decision"
