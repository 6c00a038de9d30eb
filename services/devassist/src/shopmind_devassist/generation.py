"""The optional text model that drafts commit messages.

`DEVASSIST_MODEL_BACKEND=none` (the default) keeps devassist on rules alone.
With `shared`, the suite's model layer (`shopmind_common.models`) is asked for a
text generator at start-up; when that layer is missing or offers nothing
usable, devassist says why at `/info` and keeps to the rules. A model's answer
is only ever used after it passes the Conventional Commits check.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from shopmind_devassist.config import DevassistSettings

log = logging.getLogger("shopmind.devassist.generation")

@runtime_checkable
class TextModel(Protocol):
    name: str
    context_tokens: int

    def generate(self, prompt: str, max_new_tokens: int) -> str: ...

    def count_tokens(self, text: str) -> int: ...


def approx_tokens(text: str) -> int:
    """A conservative token estimate when the model offers no tokenizer (≈3.5 chars/token)."""
    return int(len(text) / 3.5) + 1


class _LayerModel:
    """Adapts whatever generator object the model layer returns to `TextModel`."""

    def __init__(self, inner: Any, context_tokens: int) -> None:
        self.inner = inner
        self.name = str(getattr(inner, "model_name", None) or getattr(inner, "name", None)
                        or type(inner).__name__)
        self.context_tokens = int(getattr(inner, "context_tokens", 0) or context_tokens)

    def generate(self, prompt: str, max_new_tokens: int) -> str:
        fn: Callable[..., Any] = self.inner.generate
        out = fn(prompt, max_new_tokens=max_new_tokens)
        if isinstance(out, str):
            return out
        if isinstance(out, dict):
            return str(out.get("text") or out.get("output") or "")
        if isinstance(out, list) and out:
            first = out[0]
            return first if isinstance(first, str) else str(getattr(first, "text", first))
        return str(getattr(out, "text", out))

    def count_tokens(self, text: str) -> int:
        counter = getattr(self.inner, "count_tokens", None)
        if callable(counter):
            try:
                return int(counter(text))
            except Exception:  # a tokenizer hiccup must not break the request
                log.debug("count_tokens failed; estimating", exc_info=True)
        return approx_tokens(text)


def load_text_model(settings: DevassistSettings) -> tuple[TextModel | None, dict[str, Any]]:
    """The model to use (or None) and what `/info` should say about it."""
    if settings.model_backend == "none":
        return None, {"backend": "rules", "reason": "DEVASSIST_MODEL_BACKEND=none"}
    try:
        layer = importlib.import_module("shopmind_common.models")
    except ImportError as exc:
        return None, {"backend": "rules", "reason": f"shopmind_common.models unavailable: {exc}"}
    load = getattr(layer, "load_generator", None)
    model_settings = getattr(layer, "ModelSettings", None)
    if not callable(load) or model_settings is None:
        return None, {"backend": "rules",
                      "reason": "shopmind_common.models offers no load_generator"}
    # The layer reads its own settings (LLM_BACKEND, LLM_MODEL_PATH, LLM_BASE_URL...).
    inner = load(model_settings())
    if inner is None:
        return None, {"backend": "rules", "reason": "the model layer has no generator "
                                                    "(LLM_BACKEND=none)"}
    warm = getattr(layer, "warm_up", None)
    if callable(warm):
        warm(inner)
    model = _LayerModel(inner, settings.model_context_tokens)
    described = inner.describe() if callable(getattr(inner, "describe", None)) else {}
    return model, {"backend": "shared", "model": model.name,
                   "context_tokens": model.context_tokens, **described}
