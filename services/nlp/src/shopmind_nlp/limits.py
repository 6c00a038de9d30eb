"""Request limits from settings: too many texts -> 413, a too-long text -> 422, naming the limit."""

from __future__ import annotations

from shopmind_common.errors import PayloadTooLarge, Unprocessable

from shopmind_nlp.config import NlpSettings


def check_texts(settings: NlpSettings, texts: list[str], field: str = "texts") -> None:
    if len(texts) > settings.max_batch:
        raise PayloadTooLarge(
            f"{len(texts)} texts exceed NLP_MAX_BATCH={settings.max_batch}",
            details={"field": f"body.{field}", "limit": "NLP_MAX_BATCH",
                     "max": settings.max_batch, "got": len(texts)})
    check_lengths(settings, texts, field)


def check_lengths(settings: NlpSettings, texts: list[str], field: str = "texts") -> None:
    limit = settings.max_text_chars
    too_long = [i for i, t in enumerate(texts) if len(t) > limit]
    if too_long:
        raise Unprocessable(
            f"text longer than NLP_MAX_TEXT_CHARS={limit}",
            details=[{"field": f"body.{field}.{i}", "limit": "NLP_MAX_TEXT_CHARS", "max": limit,
                      "got": len(texts[i])} for i in too_long[:20]])


def check_count(count: int, limit: int, name: str, field: str) -> None:
    if count > limit:
        raise PayloadTooLarge(f"{count} items exceed {name}={limit}",
                              details={"field": f"body.{field}", "limit": name, "max": limit,
                                       "got": count})
