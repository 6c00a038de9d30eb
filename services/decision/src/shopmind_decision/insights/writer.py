"""Who writes the text: the shared model layer, else the nlp service, else a template."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from shopmind_common.settings import ServiceSettings

log = logging.getLogger("shopmind.decision.insights")

SYSTEM = ("You explain retail analytics to merchandisers. Write two short plain sentences. "
          "Use only the facts given; do not invent numbers.")


def _local_generator(load: bool) -> Any | None:
    """The process's generator from the shared model layer, if there is one."""
    try:
        from shopmind_common.models import ModelSettings, generator_key, get_registry
        from shopmind_common.models import load_generator as _load
    except ImportError:
        return None
    settings = ModelSettings()
    if settings.llm_backend == "none":
        return None
    if load:
        return _load(settings)
    # Another service in this process (nlp) may have loaded it already; never load it here.
    return get_registry().get(generator_key(settings))


def load_writer_model() -> dict[str, Any]:
    """Start-up hook for DECISION_INSIGHTS_BACKEND=model: load and warm the generator."""
    generator = _local_generator(load=True)
    if generator is None:
        return {"backend": "template", "reason": "no generator configured"}
    from shopmind_common.models import warm_up

    warm_up(generator)
    described: dict[str, Any] = generator.describe()
    return described


def _clean(text: str) -> str | None:
    text = " ".join(text.strip().split())
    return text if len(text) >= 20 else None


async def write(facts: str, settings: ServiceSettings, backend: str, timeout_s: float
                ) -> tuple[str, str] | None:
    """(text, source) from a language model, or None to use the template."""
    if backend == "template":
        return None
    prompt = f"Facts:\n{facts}\n\nSummary:"
    if backend in ("auto", "model"):
        generator = _local_generator(load=False)
        if generator is not None:
            try:
                from shopmind_common.models import ChatMessage

                messages = [ChatMessage("system", SYSTEM), ChatMessage("user", prompt)]
                result = await asyncio.wait_for(asyncio.to_thread(
                    generator.generate, messages, max_new_tokens=96, temperature=0.0),
                    timeout_s)
                text = _clean(result.text)
                if text:
                    return text, "model"
            except Exception as exc:  # the template answers instead
                log.warning("model layer could not write the insight: %r", exc)
    if backend in ("auto", "nlp"):
        try:
            from shopmind_common.http import service_client

            client = service_client("nlp", settings, timeout_s=timeout_s, retries=0)
        except Exception:
            return None
        try:
            resp = await client.post("/v1/nlp/generate", json={
                "messages": [{"role": "system", "content": SYSTEM},
                             {"role": "user", "content": prompt}],
                "max_tokens": 96, "temperature": 0.0})
            if resp.status_code == 200:
                text = _clean(resp.json()["results"][0]["text"])
                if text:
                    return text, "nlp"
            else:
                log.warning("nlp generate answered %d", resp.status_code)
        except Exception as exc:
            log.warning("nlp could not write the insight: %r", exc)
        finally:
            await client.aclose()
    return None
