"""Settings of the nlp service."""

from __future__ import annotations

from shopmind_common.settings import ServiceSettings


class NlpSettings(ServiceSettings):
    service_name: str = "nlp"
