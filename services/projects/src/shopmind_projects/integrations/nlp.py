"""The nlp service's keywords, embeddings and generation, when it can be reached.

Every method returns None when nlp is absent, slow, failing or answers in a
shape this client does not understand; callers then use their deterministic
fallbacks. After a failure the client stops trying for a cool-down, so an
absent nlp costs one timeout per cool-down instead of one per request.

Expected answers (lenient: a batch `results` list or a single object):
  POST /v1/nlp/keywords  {"texts": [t], "top_k": k} -> keywords: [{"text"|"keyword", "score"}]
  POST /v1/nlp/embed     {"texts": [...]}            -> embeddings|vectors: [[float, ...], ...]
  POST /v1/nlp/generate  {"prompt": p, "max_tokens": n} -> text|generated_text|output
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
from shopmind_common.errors import ServiceError
from shopmind_common.http import ServiceClient, service_client

from shopmind_projects.config import ProjectsSettings

log = logging.getLogger("shopmind.projects.nlp")


class NlpClient:
    def __init__(self, settings: ProjectsSettings, client: ServiceClient | None = None) -> None:
        self.settings = settings
        self._client = client
        # Per endpoint: a slow generator must not switch off keywords and embeddings.
        self._down_until: dict[str, float] = {}
        self.last_error: str | None = None
        self.calls_ok = 0
        self.calls_failed = 0

    def describe(self) -> dict[str, Any]:
        return {"enabled": self.settings.nlp_enabled, "calls_ok": self.calls_ok,
                "calls_failed": self.calls_failed, "last_error": self.last_error}

    def _get_client(self) -> ServiceClient:
        if self._client is None:
            self._client = service_client("nlp", self.settings,
                                          timeout_s=self.settings.nlp_timeout_s, retries=0)
        return self._client

    def _fail(self, path: str, why: str) -> None:
        why = f"{path}: {why}"
        self.calls_failed += 1
        if why != self.last_error:
            log.warning("nlp unavailable, using fallbacks: %s", why)
        self.last_error = why
        self._down_until[path] = time.monotonic() + self.settings.nlp_cooldown_s

    async def _post(self, path: str, body: dict[str, Any],
                    timeout_s: float | None = None) -> dict[str, Any] | None:
        if (not self.settings.nlp_enabled
                or time.monotonic() < self._down_until.get(path, 0.0)):
            return None
        try:
            response = await self._get_client().post(
                path, json=body, timeout=timeout_s or self.settings.nlp_timeout_s)
        except (ServiceError, httpx.HTTPError) as exc:
            self._fail(path, f"{type(exc).__name__}: {exc}")
            return None
        if response.status_code != 200:
            self._fail(path, f"HTTP {response.status_code}")
            return None
        try:
            data = response.json()
        except ValueError:
            self._fail(path, "answer is not JSON")
            return None
        if not isinstance(data, dict):
            self._fail(path, "answer is not an object")
            return None
        self.calls_ok += 1
        return data

    @staticmethod
    def _first(data: dict[str, Any]) -> dict[str, Any]:
        results = data.get("results")
        if isinstance(results, list) and results and isinstance(results[0], dict):
            return results[0]
        return data

    async def keywords(self, text: str, top_k: int = 12) -> list[str] | None:
        data = await self._post("/v1/nlp/keywords", {"texts": [text], "top_k": top_k})
        if data is None:
            return None
        items = self._first(data).get("keywords")
        if not isinstance(items, list):
            self._fail("/v1/nlp/keywords", "no keywords list in the answer")
            return None
        words: list[str] = []
        for item in items:
            if isinstance(item, str):
                words.append(item)
            elif isinstance(item, dict):
                word = item.get("text") or item.get("keyword") or item.get("word")
                if isinstance(word, str):
                    words.append(word)
        return words

    async def embed(self, texts: list[str]) -> list[list[float]] | None:
        data = await self._post("/v1/nlp/embed", {"texts": texts})
        if data is None:
            return None
        vectors: Any = data.get("embeddings", data.get("vectors"))
        if vectors is None and isinstance(data.get("results"), list):
            vectors = [r.get("embedding", r.get("vector")) for r in data["results"]
                       if isinstance(r, dict)]
        if (not isinstance(vectors, list) or len(vectors) != len(texts)
                or not all(isinstance(v, list) and v for v in vectors)):
            self._fail("/v1/nlp/embed", "no embedding per text in the answer")
            return None
        try:
            return [[float(x) for x in v] for v in vectors]
        except (TypeError, ValueError):
            self._fail("/v1/nlp/embed", "embeddings are not numbers")
            return None

    async def generate(self, prompt: str, max_tokens: int) -> str | None:
        data = await self._post("/v1/nlp/generate", {"prompt": prompt, "max_tokens": max_tokens},
                                timeout_s=self.settings.nlp_generate_timeout_s)
        if data is None:
            return None
        first = self._first(data)
        text = first.get("text", first.get("generated_text", first.get("output")))
        if not isinstance(text, str):
            self._fail("/v1/nlp/generate", "no text in the answer")
            return None
        return text

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
