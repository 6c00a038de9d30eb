"""Requests and answers of the performance advice endpoint."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

_EXAMPLE = '''import re

def tokens(lines):
    out = ""
    for line in lines:
        out += re.compile(r"\\\\w+").findall(line)[0]
    return out
'''


class SourceFile(BaseModel):
    path: str = Field(min_length=1, max_length=500)
    content: str


class AdviceRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"source": _EXAMPLE, "path": "tokens.py"}]})

    source: str | None = Field(default=None, description="One Python source text",
                               examples=[_EXAMPLE])
    path: str = Field(default="<source>", max_length=500, description="Its name in findings")
    files: list[SourceFile] | None = Field(default=None, description="Several files at once")

    @model_validator(mode="after")
    def _one_input(self) -> AdviceRequest:
        if (self.source is None) == (self.files is None):
            raise ValueError("give exactly one of source or files")
        return self


class Finding(BaseModel):
    path: str
    rule: str
    severity: str
    line: int
    column: int
    end_line: int
    function: str | None
    code: str
    reason: str
    suggestion: str
    rewrite: str


class FileError(BaseModel):
    path: str
    line: int | None
    message: str


class Advice(BaseModel):
    files: int
    findings: list[Finding]
    counts: dict[str, int] = Field(description="Findings per rule")
    errors: list[FileError] = Field(default_factory=list,
                                    description="Files that did not parse (batch input only)")
