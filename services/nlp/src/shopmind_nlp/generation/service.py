"""Generation through the shared model layer, whole or streamed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from shopmind_common.errors import PayloadTooLarge, Unavailable, Unprocessable
from shopmind_common.models import ChatMessage, GenerationError, Prompt, TextGenerator
from shopmind_nlp.engine import Engine
from shopmind_nlp.generation.schemas import GenerateIn, GenerateOut, GenerationOut
from shopmind_nlp.limits import check_count, check_lengths


class GenerationService:
    def _generator(self, engine: Engine) -> TextGenerator:
        if engine.generator is None:
            raise Unavailable("no generation model is loaded (LLM_BACKEND=none or still loading)")
        return engine.generator

    def _prompts(self, engine: Engine, body: GenerateIn) -> list[Prompt]:
        settings = engine.settings
        if body.max_tokens > settings.gen_max_tokens:
            raise Unprocessable(
                f"max_tokens {body.max_tokens} exceeds "
                f"NLP_GEN_MAX_TOKENS={settings.gen_max_tokens}",
                details=[{"field": "body.max_tokens", "limit": "NLP_GEN_MAX_TOKENS",
                          "max": settings.gen_max_tokens, "got": body.max_tokens}])
        if body.prompts is not None:
            check_count(len(body.prompts), settings.gen_max_prompts, "NLP_GEN_MAX_PROMPTS",
                        "prompts")
            check_lengths(settings, body.prompts, "prompts")
            return list(body.prompts)
        if body.prompt is not None:
            check_lengths(settings, [body.prompt], "prompt")
            return [body.prompt]
        assert body.messages is not None
        total = sum(len(m.content) for m in body.messages)
        if total > settings.max_text_chars:
            raise PayloadTooLarge(
                f"messages of {total} characters exceed "
                f"NLP_MAX_TEXT_CHARS={settings.max_text_chars}",
                details={"field": "body.messages", "limit": "NLP_MAX_TEXT_CHARS",
                         "max": settings.max_text_chars, "got": total})
        return [[ChatMessage(m.role, m.content) for m in body.messages]]

    async def generate(self, engine: Engine, body: GenerateIn) -> GenerateOut:
        prompts = self._prompts(engine, body)
        gen = self._generator(engine)
        results = []
        for prompt in prompts:
            try:
                g = await asyncio.to_thread(gen.generate, prompt, max_new_tokens=body.max_tokens,
                                            temperature=body.temperature, top_p=body.top_p,
                                            stop=body.stop)
            except GenerationError as exc:
                raise Unavailable(f"generation failed: {exc}") from exc
            results.append(GenerationOut(text=g.text, finish_reason=g.finish_reason,
                                         prompt_tokens=g.prompt_tokens,
                                         completion_tokens=g.completion_tokens))
        return GenerateOut(model=gen.model_name, backend=gen.backend, results=results)

    def stream(self, engine: Engine, body: GenerateIn) -> AsyncIterator[str]:
        """SSE frames: `data: {"text": ...}` per piece, then `event: done`."""
        prompt = self._prompts(engine, body)[0]
        gen = self._generator(engine)
        # Build the iterator before the response starts so setup errors are still 4xx/5xx.
        pieces = gen.stream(prompt, max_new_tokens=body.max_tokens,
                            temperature=body.temperature, top_p=body.top_p, stop=body.stop)

        async def frames() -> AsyncIterator[str]:
            from starlette.concurrency import iterate_in_threadpool

            count = 0
            try:
                async for piece in iterate_in_threadpool(pieces):
                    count += 1
                    yield f"data: {json.dumps({'text': piece}, ensure_ascii=False)}\n\n"
            except GenerationError as exc:
                err = {"code": "unavailable", "message": f"generation failed: {exc}"}
                yield f"event: error\ndata: {json.dumps(err)}\n\n"
                return
            done = {"model": gen.model_name, "backend": gen.backend, "pieces": count}
            yield f"event: done\ndata: {json.dumps(done)}\n\n"

        return frames()


generation_service = GenerationService()
