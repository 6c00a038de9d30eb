"""One nlp app per test session: models load once, every test shares them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from shopmind_nlp.config import NlpSettings
from shopmind_nlp.main import create_app


def nlp_settings(data_dir: Path, **overrides: object) -> NlpSettings:
    base: dict[str, object] = {
        "SHOPMIND_DATA_DIR": str(data_dir), "KAFKA_BOOTSTRAP": None, "NEO4J_URI": None,
        "DATABASE_URL": None, "LLM_BACKEND": "none", "MODEL_DEVICE": "cpu",
        "NLP_MAX_BATCH": 16, "NLP_MAX_TEXT_CHARS": 400, "NLP_GEN_MAX_TOKENS": 16,
    }
    base.update(overrides)
    return NlpSettings(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from shopmind_common.models.testing import build_tiny_causal_lm, build_tiny_classifier

    root = tmp_path_factory.mktemp("tiny-models")
    return {"lm": build_tiny_causal_lm(root / "lm"), "clf": build_tiny_classifier(root / "clf")}


@pytest.fixture(scope="session")
async def nlp_app(tmp_path_factory: pytest.TempPathFactory,
                  tiny_models: dict[str, Path]) -> AsyncIterator[FastAPI]:
    """Every builtin text model, the sentence encoder, a tiny causal LM for generation."""
    settings = nlp_settings(tmp_path_factory.mktemp("nlp-data"), LLM_BACKEND="transformers",
                            LLM_MODEL_PATH=str(tiny_models["lm"]))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        yield app


@pytest.fixture
async def client(nlp_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=nlp_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture(scope="session")
def make_settings():  # type: ignore[no-untyped-def]
    """Settings for a further app in a test (tmp data dir, small limits)."""
    return nlp_settings
