"""Generation requests and answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator


class MessageIn(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class GenerateIn(BaseModel):
    """One of `prompt` (completed as is), `messages` (chat) or `prompts` (a batch)."""

    prompt: str | None = None
    messages: list[MessageIn] | None = Field(default=None, min_length=1)
    prompts: list[str] | None = Field(default=None, min_length=1)
    max_tokens: int = Field(default=128, ge=1, description="capped by NLP_GEN_MAX_TOKENS")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop: list[str] = Field(default_factory=list, max_length=8)
    stream: bool = Field(default=False, description="server-sent events, one piece per event")

    @model_validator(mode="after")
    def _one_prompt(self) -> GenerateIn:
        given = [x is not None for x in (self.prompt, self.messages, self.prompts)]
        if sum(given) != 1:
            raise ValueError("give exactly one of `prompt`, `messages` or `prompts`")
        if self.stream and self.prompts is not None:
            raise ValueError("streaming takes one `prompt` or `messages`, not `prompts`")
        return self


class GenerationOut(BaseModel):
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


class GenerateOut(BaseModel):
    model: str
    backend: str
    results: list[GenerationOut]
