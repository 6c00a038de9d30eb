from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fastapi import FastAPI
from shopmind_common.events import InProcessBus
from shopmind_decision.config import DecisionSettings
from shopmind_decision.datasets.completejourney import (
    daily_activity,
    load_transactions,
    top_categories,
)
from shopmind_decision.main import create_app
from shopmind_decision.registry.repository import RegistryStore
from shopmind_decision.registry.service import registry
from shopmind_decision.training.demand import DemandConfig, train_demand
from shopmind_decision.training.propensity import PropensityConfig, train_propensity

SAMPLE_HOUSEHOLDS = 150
SAMPLE_CATEGORIES = 15


def make_settings(tmp_path: Path, **extra: object) -> DecisionSettings:
    values: dict[str, object] = {
        "SHOPMIND_DATA_DIR": str(tmp_path), "KAFKA_BOOTSTRAP": None, "NEO4J_URI": None,
        "DATABASE_URL": None, "DECISION_INSIGHTS_BACKEND": "template",
        "DECISION_TRAIN_THREADS": 1, **extra}
    return DecisionSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings_factory():  # type: ignore[no-untyped-def]
    """make_settings for tests that build their own app."""
    return make_settings


@pytest.fixture(scope="session")
def sample_activity() -> tuple[pd.DataFrame, list[str]]:
    """Daily activity of a small random sample of completejourney households."""
    tx = load_transactions(max_households=SAMPLE_HOUSEHOLDS, seed=7)
    cats = top_categories(tx, SAMPLE_CATEGORIES)
    act = daily_activity(tx)
    return act[act["category"].isin(cats)].reset_index(drop=True), cats


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory,
                      sample_activity: tuple[pd.DataFrame, list[str]]) -> Path:
    """A registry with one small propensity and one small demand model (trained once)."""
    act, cats = sample_activity
    root = tmp_path_factory.mktemp("registry-template")
    store = RegistryStore(root)
    prop = train_propensity(act, categories=cats, source="completejourney",
                            config=PropensityConfig(max_train_snapshots=2, n_estimators=60,
                                                    threads=1, logistic_baseline=False))
    registry.register(store, "propensity", prop, job_id=None, promote=None)
    dem = train_demand(act, categories=cats, source="completejourney",
                       config=DemandConfig(n_estimators=60, threads=1))
    registry.register(store, "demand", dem, job_id=None, promote=None)
    return root


@pytest.fixture
def model_dir(tmp_path: Path, registry_template: Path) -> Iterator[Path]:
    target = tmp_path / "models"
    shutil.copytree(registry_template, target)
    yield target


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest.fixture
async def app(tmp_path: Path, bus: InProcessBus) -> FastAPI:
    return create_app(make_settings(tmp_path), bus=bus)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(app):
        yield c


@pytest.fixture
async def trained_app(tmp_path: Path, model_dir: Path, bus: InProcessBus) -> FastAPI:
    return create_app(make_settings(tmp_path, DECISION_MODEL_DIR=str(model_dir)), bus=bus)


@pytest.fixture
async def trained_client(trained_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(trained_app):
        yield c
