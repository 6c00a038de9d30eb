"""Requests and answers of the test generation endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shopmind_devassist.files import GeneratedFile

_EXAMPLE_SOURCE = '''def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    if low > high:
        raise ValueError("low > high")
    return max(low, min(high, value))
'''


class ApiTestsRequest(BaseModel):
    spec: dict[str, Any] | str | None = Field(
        default=None, description="OpenAPI 3.0/3.1 document; omit it for the suite's own")
    services: list[str] | None = Field(default=None, description="Only these services")
    base_url: str | None = Field(default=None, max_length=500,
                                 description="Default target of the generated tests")
    error_field: str | None = Field(
        default=None, max_length=100,
        description="Key every 4xx JSON body must carry (default `error` for the suite's spec)")
    max_invalid_per_operation: int = Field(default=12, ge=0, le=100)


class SourceTestsRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"source": _EXAMPLE_SOURCE, "module": "mathutil"}]})

    source: str = Field(min_length=1, description="Python source of the module",
                        examples=[_EXAMPLE_SOURCE])
    module: str | None = Field(
        default=None, pattern=r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$", max_length=200,
        description="Its import path, e.g. `shopmind_common.identity`", examples=["mathutil"])
    path: str | None = Field(default=None, max_length=500,
                             description="Its file path, to derive the module from (src layout)")

    @model_validator(mode="after")
    def _module_known(self) -> SourceTestsRequest:
        if self.module is None and self.path is None:
            raise ValueError("give module (or path, to derive it from)")
        return self


class GeneratedTests(BaseModel):
    files: list[GeneratedFile]
    tests: int = Field(description="Test functions in the file")
    cases: int = Field(description="Parametrised cases in all")
    skipped: dict[str, str] = Field(default_factory=dict,
                                    description="What was left as a skipped stub, and why")
