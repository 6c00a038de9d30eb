"""Request shapes shared by every text endpoint: one text or a batch."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

LanguageIn = Literal["auto", "zh", "en", "mixed"]


class TextsIn(BaseModel):
    """`text` for one text or `texts` for a batch (NLP_MAX_BATCH, NLP_MAX_TEXT_CHARS)."""

    text: str | None = Field(default=None, description="one text")
    texts: list[str] | None = Field(default=None, description="a batch of texts")
    language: LanguageIn = Field(default="auto", description="detected when auto")

    @model_validator(mode="after")
    def _one_of(self) -> TextsIn:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of `text` or `texts`")
        return self

    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])

    def languages(self) -> list[str | None]:
        lang = None if self.language == "auto" else self.language
        return [lang] * len(self.all_texts())


class SpanOut(BaseModel):
    start: int
    end: int
