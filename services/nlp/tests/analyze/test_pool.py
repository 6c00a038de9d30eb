"""Analysis worker processes: same answers as in-process, lexicon changes reach them,
they go away with the app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from shopmind_nlp.analyze.pool import chunks
from shopmind_nlp.analyze.schemas import AnalysisOut
from shopmind_nlp.analyze.service import analysis_dict
from shopmind_nlp.config import cpu_quota

TEXTS = ["商品A性价比高，质量好，性价比高。华为的售后也不错", "物流很慢，包装破损，差评",
         "屏幕很清晰，电池续航一般，价格有点贵",
         "The screen is gorgeous but the battery is weak.",
         "在北京买的手机，199元，还送了3个壳",
         "Apple的iPhone 15 Pro很好用，but the price is too high"] * 4


@pytest.fixture(scope="module")
async def pooled_app(tmp_path_factory: pytest.TempPathFactory,
                     make_settings: Any) -> AsyncIterator[FastAPI]:
    from shopmind_nlp.main import create_app

    settings = make_settings(tmp_path_factory.mktemp("nlp-pool"), NLP_ANALYZE_WORKERS=2,
                             NLP_LOAD_EMBEDDINGS=False, NLP_MAX_BATCH=64)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        yield app


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_workers_answer_like_the_service_process(pooled_app: FastAPI) -> None:
    engine = pooled_app.state.nlp
    pool = engine.pool
    assert pool is not None and pool.running
    pids = pool.pids()
    assert len(pids) == 2 and os.getpid() not in pids and all(_alive(p) for p in pids)
    info = pooled_app.state.info.as_dict()["models"]["text"]
    assert info["analysis_workers"]["workers"] == 2

    langs: list[str | None] = [None] * len(TEXTS)
    pooled = await engine.analyze_async(TEXTS, langs)
    here = engine.analyze(TEXTS, langs)
    assert pooled == here
    assert [a.text for a in pooled] == TEXTS  # order kept across the chunks

    transport = httpx.ASGITransport(app=pooled_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        resp = await c.post("/v1/nlp/analyze", json={"texts": TEXTS, "top_k": 8})
    assert resp.status_code == 200, resp.text
    assert resp.json()["results"] == [analysis_dict(a) for a in here]


async def test_lexicon_changes_reach_the_workers(pooled_app: FastAPI) -> None:
    text = "刚买的蓝鲸飞翔吸尘器，吸力很强"
    transport = httpx.ASGITransport(app=pooled_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        before = await c.post("/v1/nlp/analyze", json={"texts": [text] * 16})
        assert all(("蓝鲸飞翔", "brand") not in {(e["text"], e["label"]) for e in r["entities"]}
                   for r in before.json()["results"])
        put = await c.put("/v1/nlp/lexicon/brand",
                          json={"terms": [{"term": "蓝鲸飞翔", "aliases": ["BlueWhale"]}]})
        assert put.status_code == 200, put.text
        after = await c.post("/v1/nlp/analyze", json={"texts": [text] * 16})
        results = after.json()["results"]
        # 16 texts: both workers analysed some, and every one knows the new brand.
        at = text.index("蓝鲸飞翔")
        for r in results:
            assert {"text": "蓝鲸飞翔", "label": "brand", "start": at, "end": at + 4} in r[
                "entities"]
        gone = await c.delete("/v1/nlp/lexicon/brand/蓝鲸飞翔")
        assert gone.status_code == 204
        again = await c.post("/v1/nlp/analyze", json={"texts": [text] * 16})
        assert all(("蓝鲸飞翔", "brand") not in {(e["text"], e["label"]) for e in r["entities"]}
                   for r in again.json()["results"])


async def test_workers_stop_with_the_app(make_settings: Any, tmp_path: Path) -> None:
    from shopmind_nlp.main import create_app

    app = create_app(make_settings(tmp_path, NLP_ANALYZE_WORKERS=2, NLP_LOAD_EMBEDDINGS=False,
                                   NLP_LOAD_ENGLISH=False))
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        pids = app.state.nlp.pool.pids()
        assert len(pids) == 2 and all(_alive(p) for p in pids)
    assert app.state.nlp.pool is None
    assert not any(_alive(p) for p in pids)


def test_plain_dicts_match_the_response_model(nlp_app: FastAPI) -> None:
    for a in nlp_app.state.nlp.analyze(TEXTS[:6], [None] * 6):
        d = analysis_dict(a)
        assert AnalysisOut.model_validate(d).model_dump() == d


@pytest.mark.parametrize(("n", "workers", "expected"), [
    (0, 2, []), (1, 2, [(0, 1)]), (15, 2, [(0, 15)]), (16, 2, [(0, 8), (8, 16)]),
    (256, 2, [(0, 128), (128, 256)]), (10, 4, [(0, 10)]), (33, 4, [(0, 9), (9, 18), (18, 27),
                                                                   (27, 33)]),
])
def test_chunks(n: int, workers: int, expected: list[tuple[int, int]]) -> None:
    assert chunks(n, workers, min_chunk=8) == expected


def test_worker_count_setting(make_settings: Any, tmp_path: Path) -> None:
    assert make_settings(tmp_path, NLP_ANALYZE_WORKERS=0).analysis_workers() == 0
    assert make_settings(tmp_path, NLP_ANALYZE_WORKERS=1).analysis_workers() == 0
    assert make_settings(tmp_path, NLP_ANALYZE_WORKERS=3).analysis_workers() == 3
    auto = make_settings(tmp_path).analysis_workers()
    assert auto == (cpu_quota() if cpu_quota() >= 2 else 0)
