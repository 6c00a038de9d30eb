"""Requests and answers of the commit message endpoint."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

_EXAMPLE_DIFF = """\
diff --git a/services/nlp/src/shopmind_nlp/sentiment/service.py \
b/services/nlp/src/shopmind_nlp/sentiment/service.py
--- a/services/nlp/src/shopmind_nlp/sentiment/service.py
+++ b/services/nlp/src/shopmind_nlp/sentiment/service.py
@@ -10,2 +10,5 @@ class SentimentService:
     def score(self, text: str) -> float:
-        return self._model(text)
+        if not text.strip():
+            raise ValueError("empty text")
+        return self._model(text)
+
"""


class CommitRequest(BaseModel):
    diff: str = Field(min_length=1, description="A unified diff (git diff / git show output)",
                      examples=[_EXAMPLE_DIFF])
    max_body_files: int = Field(default=12, ge=1, le=200,
                                description="Files listed in the body before summing up the rest")
    use_model: bool = Field(default=True,
                            description="Let the configured model draft it (rules otherwise)")


class FileSummary(BaseModel):
    path: str
    status: str
    kind: str
    scope: str | None
    added: int
    removed: int
    summary: str


class CommitMessage(BaseModel):
    message: str = Field(description="The whole message: header, body and footers")
    header: str
    type: str
    scope: str | None
    breaking: bool
    body: str
    files: list[FileSummary]
    source: Literal["rules", "model"]
    model: str | None = None
    prompt_mode: Literal["diff", "per-file summaries"] | None = Field(
        default=None, description="What the model was shown: the diff or per-file summaries")
    notes: list[str] = Field(default_factory=list)
