"""Assignment suggestions: skill match through nlp when reachable, lexical otherwise, and load."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from shopmind_common.http import ServiceClient
from shopmind_projects.integrations.nlp import NlpClient

# The nlp service is built elsewhere; this stand-in speaks its planned contract with a
# tiny concept space, so "数据库" and "PostgreSQL" are close although no letters are shared.
_CONCEPTS = {"postgresql": "db", "postgres": "db", "数据库": "db", "sql": "db", "查询": "db",
             "react": "web", "前端": "web", "页面": "web", "ui": "web",
             "ranking": "ml", "排序": "ml", "推荐": "ml", "learning": "ml"}
_AXES = sorted(set(_CONCEPTS.values()))


def _vector(text: str) -> list[float]:
    low = text.lower()
    return [float(sum(1 for word, axis in _CONCEPTS.items() if axis == a and word in low))
            for a in _AXES]


def fake_nlp(generated: str = "") -> FastAPI:
    app = FastAPI()

    @app.post("/v1/nlp/keywords")
    async def keywords(body: dict[str, Any]) -> dict[str, Any]:
        text = body["texts"][0].lower()
        return {"results": [{"keywords": [{"text": w, "score": 1.0}
                                          for w in _CONCEPTS if w in text]}]}

    @app.post("/v1/nlp/embed")
    async def embed(body: dict[str, Any]) -> dict[str, Any]:
        return {"embeddings": [_vector(t) for t in body["texts"]], "dim": len(_AXES)}

    @app.post("/v1/nlp/generate")
    async def generate(body: dict[str, Any]) -> dict[str, Any]:
        return {"text": generated, "model": "stand-in"}

    return app


def use_nlp(api: Any, app: FastAPI, tmp_path: Any) -> NlpClient:
    from shopmind_projects.config import ProjectsSettings

    settings = ProjectsSettings(SHOPMIND_DATA_DIR=str(tmp_path), PROJECTS_NLP_ENABLED=True)
    client = NlpClient(settings, client=ServiceClient("nlp", app=app))
    api.app.state.nlp = client
    return client


async def _team(api: Any) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
    pid = (await api.project())["id"]
    ada = await api.member(pid, name="Ada", skills=["PostgreSQL", "Python"])
    bo = await api.member(pid, name="Bo", skills=["React", "TypeScript"])
    cy = await api.member(pid, name="Cy", skills=["Python", "ranking"])
    return pid, ada, bo, cy


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
async def test_nlp_embeddings_match_across_languages(api: Any, tmp_path: Any) -> None:
    pid, ada, _, _ = await _team(api)
    task = await api.task(pid, title="优化数据库查询", description="慢查询超过 2 秒")
    nlp = use_nlp(api, fake_nlp(), tmp_path)
    out = await api.ok("GET",
                       f"/v1/projects/{pid}/tasks/{task['id']}/assignment-suggestions")
    assert out["method"] == "embeddings"
    first = out["suggestions"][0]
    assert first["member_id"] == ada["id"]
    assert first["matched_skills"] == ["PostgreSQL"]
    assert any("PostgreSQL" in r for r in first["reasons"])
    assert nlp.calls_ok == 2  # keywords and embeddings


async def test_lexical_fallback_when_nlp_is_unreachable(start: Any) -> None:
    # A closed port: nlp is configured but down.
    async with start(PROJECTS_NLP_ENABLED=True,
                     SHOPMIND_SERVICE_URLS={"nlp": "http://127.0.0.1:9"}) as api:
        pid, ada, bo, cy = await _team(api)
        task = await api.task(pid, title="Tune the ranking model in Python",
                              labels=["ranking"])
        out = await api.ok("GET",
                           f"/v1/projects/{pid}/tasks/{task['id']}/assignment-suggestions")
        assert out["method"] == "lexical"
        ranked = [s["member_id"] for s in out["suggestions"]]
        assert ranked == [cy["id"], ada["id"], bo["id"]]
        assert out["suggestions"][0]["matched_skills"] == ["Python", "ranking"]
        assert out["suggestions"][2]["reasons"][0] == "no listed skill matches the task"
        assert api.app.state.nlp.describe()["calls_failed"] >= 1
        # The cool-down keeps the next request from waiting on nlp again.
        failed = api.app.state.nlp.calls_failed
        await api.ok("GET", f"/v1/projects/{pid}/tasks/{task['id']}/assignment-suggestions")
        assert api.app.state.nlp.calls_failed == failed


async def test_load_lowers_the_rank(api: Any) -> None:
    pid = (await api.project())["id"]
    busy = await api.member(pid, name="Busy", skills=["Python"], weekly_capacity_hours=20)
    free = await api.member(pid, name="Free", skills=["Python"], weekly_capacity_hours=20)
    await api.task(pid, title="Other work", estimate_hours=30, assignee_id=busy["id"])
    task = await api.task(pid, title="Write the Python importer", assignee_id=busy["id"])
    out = await api.ok("GET", f"/v1/projects/{pid}/tasks/{task['id']}/assignment-suggestions")
    first, second = out["suggestions"][:2]
    assert (first["member_id"], second["member_id"]) == (free["id"], busy["id"])
    assert second["load_hours"] == 30.0 and second["load_ratio"] == 1.5
    assert "already over capacity" in second["reasons"]
    assert second["current_assignee"] and "currently assigned" in second["reasons"]
    missing = await api.client.get(f"/v1/projects/{pid}/tasks/nope/assignment-suggestions")
    assert missing.status_code == 404
    bad = await api.client.get(
        f"/v1/projects/{pid}/tasks/{task['id']}/assignment-suggestions?limit=0")
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "query.limit"
