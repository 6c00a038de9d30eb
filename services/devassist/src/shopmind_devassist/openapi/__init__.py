"""Reading OpenAPI documents: parse, validate, resolve references, walk operations,
and build example values from schemas (shared by API references and test generation)."""

from shopmind_devassist.openapi.document import (
    HTTP_METHODS,
    Operation,
    SpecDocument,
    parse_spec,
)
from shopmind_devassist.openapi.examples import example_value, invalid_values

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "SpecDocument",
    "example_value",
    "invalid_values",
    "parse_spec",
]
