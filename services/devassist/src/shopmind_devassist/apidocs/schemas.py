"""Requests and answers of the API reference endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from shopmind_devassist.files import GeneratedFile

_EXAMPLE_SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Catalog", "version": "1.0.0"},
    "paths": {
        "/v1/catalog/products/{product_id}": {
            "get": {
                "summary": "One product",
                "parameters": [{"name": "product_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The product"},
                              "404": {"description": "No such product"}},
            }
        }
    },
}


class ApiDocsRequest(BaseModel):
    spec: dict[str, Any] | str | None = Field(
        default=None,
        description="An OpenAPI 3.0/3.1 document (object, or JSON/YAML text); "
                    "omit it to document the suite's own merged spec",
        examples=[_EXAMPLE_SPEC],
    )
    services: list[str] | None = Field(
        default=None, description="Only these services (default: every one in the spec)")
    base_url: str | None = Field(default=None, max_length=500,
                                 description="Base URL for curl examples")


class ServiceSummary(BaseModel):
    name: str
    operations: int
    path: str


class ApiReference(BaseModel):
    title: str
    version: str
    source: Literal["posted", "suite"]
    services: list[ServiceSummary]
    files: list[GeneratedFile]
    unreachable: dict[str, str] = Field(
        default_factory=dict, description="Services whose spec could not be fetched, and why")
