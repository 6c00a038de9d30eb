"""Which generation backend a process uses, and where models live."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

GenerationBackend = Literal["builtin", "transformers", "openai", "none"]
Device = Literal["auto", "cpu", "cuda"]
CpuDtype = Literal["float32", "bfloat16"]


class ModelSettings(BaseSettings):
    """Model-layer settings, read from the environment by alias.

    `LLM_BACKEND=builtin` runs the packaged SmolLM2-135M-Instruct,
    `transformers` any causal-LM checkpoint directory at `LLM_MODEL_PATH`,
    `openai` an OpenAI-compatible server at `LLM_BASE_URL` (vLLM and the like),
    and `none` loads nothing so callers use their deterministic fallback.
    """

    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", frozen=True, populate_by_name=True
    )

    llm_backend: GenerationBackend = Field(default="builtin", alias="LLM_BACKEND")
    llm_model_path: str | None = Field(default=None, alias="LLM_MODEL_PATH")
    llm_base_url: str | None = Field(default=None, alias="LLM_BASE_URL")
    llm_api_key: str | None = Field(default=None, alias="LLM_API_KEY")
    llm_model_name: str | None = Field(default=None, alias="LLM_MODEL_NAME")
    llm_timeout_s: float = Field(default=120.0, alias="LLM_TIMEOUT_S", gt=0)
    llm_max_new_tokens: int = Field(default=256, alias="LLM_MAX_NEW_TOKENS", ge=1, le=32768)
    device: Device = Field(default="auto", alias="MODEL_DEVICE")
    # bf16 halves a model's memory on CPU (SmolLM2-135M: about 540 -> 270 MB); GPUs always use bf16.
    cpu_dtype: CpuDtype = Field(default="bfloat16", alias="MODEL_CPU_DTYPE")
    cache_dir: str = Field(default="~/.cache/shopmind/models", alias="MODEL_CACHE_DIR")
    torch_threads: int | None = Field(default=None, alias="MODEL_TORCH_THREADS", ge=1)
