"""Text generation behind one interface: local transformers models or an HTTP endpoint.

    gen = load_generator(ModelSettings())      # None when LLM_BACKEND=none
    result = gen.generate([ChatMessage("user", "Hi")], max_new_tokens=32)
    for piece in gen.stream("Once upon a time", max_new_tokens=32): ...

A prompt is either a plain string (completed as is) or chat messages (the
model's chat template, or the server's chat endpoint, applies).
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopmind_common.models.registry import ModelRegistry, get_registry
from shopmind_common.models.settings import ModelSettings

log = logging.getLogger("shopmind.models.generation")


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


Prompt = str | Sequence[ChatMessage]


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" | "length"
    model: str


class GenerationError(RuntimeError):
    """The backend could not produce text (server down, bad answer)."""


class TextGenerator(abc.ABC):
    """One loaded generation model."""

    backend: str
    model_name: str

    @abc.abstractmethod
    def generate(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
    ) -> Generation:
        """The whole completion at once."""

    @abc.abstractmethod
    def stream(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        """The completion as text pieces, as they are produced."""

    @abc.abstractmethod
    def describe(self) -> dict[str, Any]:
        """What `/info` says: backend, model, path or URL, device."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def _cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if i != -1:
                cut = min(cut, i)
    return text[:cut], cut < len(text)


class TransformersGenerator(TextGenerator):
    """A causal LM from a checkpoint directory; bf16 on GPU, fp32 on CPU."""

    backend = "transformers"

    def __init__(
        self,
        path: str | Path,
        *,
        device: str = "auto",
        threads: int | None = None,
        name: str | None = None,
        cpu_dtype: str = "float32",
    ) -> None:
        import transformers

        from shopmind_common.models._torch import open_checkpoint

        self.path, self.device, self.dtype = open_checkpoint(
            path, device=device, threads=threads, cpu_dtype=cpu_dtype
        )
        # transformers' own annotations do not fit strict mypy; these are used dynamically.
        tf: Any = transformers
        self.tokenizer: Any = tf.AutoTokenizer.from_pretrained(self.path)
        self.model: Any = tf.AutoModelForCausalLM.from_pretrained(self.path, dtype=self.dtype)
        self.model.to(self.device)
        self.model.eval()
        self.model_name = name or Path(self.path).name
        # One generate() at a time per model: torch threads are the parallelism.
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "model": self.model_name,
            "path": self.path,
            "device": self.device,
            "dtype": str(self.dtype).removeprefix("torch."),
        }

    def _encode(self, prompt: Prompt) -> Any:
        if isinstance(prompt, str):
            ids = self.tokenizer(prompt, return_tensors="pt")["input_ids"]
        elif getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": m.role, "content": m.content} for m in prompt]
            ids = self.tokenizer.apply_chat_template(
                messages,
                add_generation_prompt=True,
                return_tensors="pt",
                return_dict=True,
            )["input_ids"]
        else:  # a base model: plain transcript
            text = "\n".join(f"{m.role}: {m.content}" for m in prompt) + "\nassistant:"
            ids = self.tokenizer(text, return_tensors="pt")["input_ids"]
        return ids.to(self.device)

    def _generate_kwargs(
        self, max_new_tokens: int, temperature: float, top_p: float
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens}
        if temperature > 0:
            kwargs.update(do_sample=True, temperature=temperature, top_p=top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        pad = self.tokenizer.pad_token_id
        kwargs["pad_token_id"] = pad if pad is not None else self.tokenizer.eos_token_id
        return kwargs

    def generate(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
    ) -> Generation:
        import torch

        ids = self._encode(prompt)
        with self._lock, torch.inference_mode():
            out = self.model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                **self._generate_kwargs(max_new_tokens, temperature, top_p),
            )
        new = out[0, ids.shape[1] :]
        text = str(self.tokenizer.decode(new, skip_special_tokens=True))
        text, stopped = _cut_at_stop(text, stop)
        eos = self.tokenizer.eos_token_id
        ended = stopped or (len(new) > 0 and int(new[-1]) == eos) or len(new) < max_new_tokens
        return Generation(
            text=text,
            prompt_tokens=int(ids.shape[1]),
            completion_tokens=len(new),
            finish_reason="stop" if ended else "length",
            model=self.model_name,
        )

    def stream(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        ids = self._encode(prompt)
        streamer: Any = TextIteratorStreamer(
            self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=300
        )
        errors: list[BaseException] = []

        def _run() -> None:
            try:
                with self._lock, torch.inference_mode():
                    self.model.generate(
                        input_ids=ids,
                        attention_mask=torch.ones_like(ids),
                        streamer=streamer,
                        **self._generate_kwargs(max_new_tokens, temperature, top_p),
                    )
            except BaseException as exc:  # surfaced to the reader below
                errors.append(exc)
                streamer.end()

        worker = threading.Thread(target=_run, name="generate-stream", daemon=True)
        worker.start()
        emitted = ""
        for piece in streamer:
            if not piece:
                continue
            if stop:
                candidate, stopped = _cut_at_stop(emitted + piece, stop)
                if stopped:
                    if len(candidate) > len(emitted):
                        yield candidate[len(emitted) :]
                    break
            emitted += piece
            yield piece
        worker.join(timeout=300)
        if errors:
            raise GenerationError(str(errors[0])) from errors[0]


class OpenAIGenerator(TextGenerator):
    """An OpenAI-compatible server (vLLM, TGI, llama.cpp server...) over HTTP."""

    backend = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)
        self.model_name = model or self._first_model()

    def _first_model(self) -> str:
        try:
            resp = self._client.get("/models")
            resp.raise_for_status()
            data = resp.json().get("data") or []
            return str(data[0]["id"])
        except Exception as exc:
            raise GenerationError(
                f"LLM_MODEL_NAME is unset and {self.base_url}/models did not name one: {exc}"
            ) from exc

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "model": self.model_name,
            "url": self.base_url,
            "device": "remote",
        }

    def _request(
        self,
        prompt: Prompt,
        max_new_tokens: int,
        temperature: float,
        top_p: float,
        stop: Sequence[str],
        stream: bool,
    ) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "model": self.model_name,
            "max_tokens": max_new_tokens,
            "temperature": temperature,
            "top_p": top_p,
            "stream": stream,
        }
        if stop:
            body["stop"] = list(stop)
        if isinstance(prompt, str):
            body["prompt"] = prompt
            return "/completions", body
        body["messages"] = [{"role": m.role, "content": m.content} for m in prompt]
        return "/chat/completions", body

    @staticmethod
    def _choice_text(choice: dict[str, Any]) -> str:
        if "message" in choice:
            return str(choice["message"].get("content") or "")
        if "delta" in choice:
            return str(choice["delta"].get("content") or "")
        return str(choice.get("text") or "")

    def generate(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
    ) -> Generation:
        import httpx

        path, body = self._request(prompt, max_new_tokens, temperature, top_p, stop, False)
        try:
            resp = self._client.post(path, json=body)
            resp.raise_for_status()
            data = resp.json()
            choice = data["choices"][0]
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            raise GenerationError(f"{self.base_url}{path} failed: {exc}") from exc
        usage = data.get("usage") or {}
        return Generation(
            text=self._choice_text(choice),
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            model=str(data.get("model") or self.model_name),
        )

    def stream(
        self,
        prompt: Prompt,
        *,
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        import json

        import httpx

        path, body = self._request(prompt, max_new_tokens, temperature, top_p, stop, True)
        try:
            with self._client.stream("POST", path, json=body) as resp:
                resp.raise_for_status()
                for line in resp.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    for choice in chunk.get("choices") or []:
                        piece = self._choice_text(choice)
                        if piece:
                            yield piece
        except (httpx.HTTPError, ValueError) as exc:
            raise GenerationError(f"{self.base_url}{path} failed: {exc}") from exc

    def close(self) -> None:
        self._client.close()


def _load(settings: ModelSettings) -> TextGenerator:
    if settings.llm_backend == "builtin":
        from shopmind_common.models.builtin import BUILTIN_NAME, prepare

        # Prepared at setup time normally; a fresh machine converts once here.
        path = prepare(settings.cache_dir)
        return TransformersGenerator(
            path,
            device=settings.device,
            threads=settings.torch_threads,
            name=BUILTIN_NAME,
            cpu_dtype=settings.cpu_dtype,
        )
    if settings.llm_backend == "transformers":
        if not settings.llm_model_path:
            raise ValueError("LLM_BACKEND=transformers needs LLM_MODEL_PATH")
        return TransformersGenerator(
            settings.llm_model_path,
            device=settings.device,
            threads=settings.torch_threads,
            cpu_dtype=settings.cpu_dtype,
        )
    if settings.llm_backend == "openai":
        if not settings.llm_base_url:
            raise ValueError("LLM_BACKEND=openai needs LLM_BASE_URL")
        return OpenAIGenerator(
            settings.llm_base_url,
            model=settings.llm_model_name,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
        )
    raise ValueError(f"unknown LLM_BACKEND {settings.llm_backend!r}")


def generator_key(settings: ModelSettings) -> str:
    """The registry key: same backend and source -> same loaded model."""
    source = {
        "builtin": "smollm2",
        "transformers": settings.llm_model_path or "",
        "openai": f"{settings.llm_base_url}|{settings.llm_model_name}",
        "none": "",
    }[settings.llm_backend]
    return f"generator:{settings.llm_backend}:{source}:{settings.device}:{settings.cpu_dtype}"


def load_generator(
    settings: ModelSettings | None = None, *, registry: ModelRegistry | None = None
) -> TextGenerator | None:
    """The process's generator for these settings (loaded once), or None for `none`."""
    settings = settings or ModelSettings()
    if settings.llm_backend == "none":
        return None
    registry = registry or get_registry()
    return registry.get_or_load(
        generator_key(settings), lambda: _load(settings), describe=lambda g: g.describe()
    )


def warm_up(generator: TextGenerator) -> None:
    """One tiny generation so the first request does not pay for lazy setup."""
    if generator.backend != "openai":
        generator.generate("Hello", max_new_tokens=2)
