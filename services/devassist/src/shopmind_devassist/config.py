"""Settings of the devassist service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from shopmind_common.settings import ServiceSettings

SUITE_SERVICES = ("projects", "docgen", "kg", "nlp", "decision", "devassist")


class DevassistSettings(ServiceSettings):
    service_name: str = "devassist"

    max_spec_bytes: int = Field(default=4_000_000, alias="DEVASSIST_MAX_SPEC_BYTES", ge=1)
    max_diff_bytes: int = Field(default=5_000_000, alias="DEVASSIST_MAX_DIFF_BYTES", ge=1)
    max_source_bytes: int = Field(default=2_000_000, alias="DEVASSIST_MAX_SOURCE_BYTES", ge=1)
    max_source_files: int = Field(default=500, alias="DEVASSIST_MAX_SOURCE_FILES", ge=1)

    # Services whose documents make up the suite's spec when the gateway has no URL here.
    suite_services: list[str] = Field(default_factory=lambda: list(SUITE_SERVICES),
                                      alias="DEVASSIST_SUITE_SERVICES")
    # The base URL written into curl examples and generated API tests.
    public_base_url: str = Field(default="http://127.0.0.1:8000",
                                 alias="DEVASSIST_PUBLIC_BASE_URL")

    # "none": commit messages from rules only; "shared": the suite's model layer when it
    # loads, the rules otherwise (and whenever the model's answer is not a valid message).
    model_backend: Literal["none", "shared"] = Field(default="none",
                                                     alias="DEVASSIST_MODEL_BACKEND")
    model_context_tokens: int = Field(default=2048, alias="DEVASSIST_MODEL_CONTEXT_TOKENS",
                                      ge=256)
    model_max_new_tokens: int = Field(default=160, alias="DEVASSIST_MODEL_MAX_NEW_TOKENS", ge=16)
