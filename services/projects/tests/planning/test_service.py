"""Tasks from text: proposals save nothing; accepting saves all or nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shopmind_common.http import ServiceClient
from shopmind_projects.config import ProjectsSettings
from shopmind_projects.integrations.nlp import NlpClient

REQUIREMENT = "构建一个电商搜索推荐系统，实现基于用户行为的个性化推荐，提升用户购买转化率。"


def _with_generator(api: Any, tmp_path: Any, output: str) -> None:
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/v1/nlp/generate")
    async def generate(body: dict[str, Any]) -> dict[str, Any]:
        assert REQUIREMENT in body["prompt"]
        return {"text": output}

    settings = ProjectsSettings(SHOPMIND_DATA_DIR=str(tmp_path), PROJECTS_NLP_ENABLED=True)
    api.app.state.nlp = NlpClient(settings, client=ServiceClient("nlp", app=app))


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
async def test_from_text_proposes_and_saves_nothing(api: Any) -> None:
    pid = (await api.project())["id"]
    before = {t: await api.count(t) for t in ("pm_task", "pm_activity", "shopmind_outbox")}
    out = await api.ok("POST", f"/v1/projects/{pid}/tasks:from-text",
                       json={"text": REQUIREMENT})
    assert out["source"] == "rules" and out["language"] == "zh"
    assert [t["title"] for t in out["tasks"]] == ["构建一个电商搜索推荐系统",
                                                  "实现基于用户行为的个性化推荐"]
    assert out["goals"] == ["提升用户购买转化率"]
    assert out["total_estimate_hours"] == sum(t["estimate_hours"] for t in out["tasks"])
    assert {t: await api.count(t) for t in before} == before

    accepted = await api.ok("POST", f"/v1/projects/{pid}/tasks:accept", 201,
                            json={"tasks": out["tasks"]})
    assert [t["title"] for t in accepted["tasks"]] == [t["title"] for t in out["tasks"]]
    assert [t["number"] for t in accepted["tasks"]] == [1, 2]
    assert accepted["tasks"][0]["labels"] == ["build"]
    assert await api.count("pm_task") == 2


async def test_accept_creates_dependencies_and_is_atomic(api: Any) -> None:
    pid = (await api.project())["id"]
    m = await api.milestone(pid)
    out = await api.ok("POST", f"/v1/projects/{pid}/tasks:from-text", json={
        "text": "Build a login page with OAuth, then add password reset. "
                "Finally, write integration tests and deploy to staging."})
    before = {t: await api.count(t) for t in ("pm_task", "pm_task_dependency", "pm_activity",
                                              "shopmind_outbox")}
    broken = [dict(t) for t in out["tasks"]]
    broken[3]["assignee_id"] = "nobody"
    bad = await api.client.post(f"/v1/projects/{pid}/tasks:accept", json={"tasks": broken})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "body.tasks.3.assignee_id"
    cyclic = [dict(t) for t in out["tasks"]]
    cyclic[0]["depends_on"] = [3]
    bad = await api.client.post(f"/v1/projects/{pid}/tasks:accept", json={"tasks": cyclic})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "dependency_cycle"
    out_of_range = [dict(t) for t in out["tasks"]]
    out_of_range[1]["depends_on"] = [9]
    bad = await api.client.post(f"/v1/projects/{pid}/tasks:accept",
                                json={"tasks": out_of_range})
    assert bad.json()["error"]["details"][0]["field"] == "body.tasks.1.depends_on"
    assert {t: await api.count(t) for t in before} == before  # nothing half-written

    headers = {"Idempotency-Key": "accept-1"}
    body = {"tasks": out["tasks"], "milestone_id": m["id"]}
    accepted = await api.client.post(f"/v1/projects/{pid}/tasks:accept", json=body,
                                     headers=headers)
    again = await api.client.post(f"/v1/projects/{pid}/tasks:accept", json=body,
                                  headers=headers)
    assert accepted.status_code == again.status_code == 201
    assert again.json() == accepted.json()
    created = accepted.json()
    ids = [t["id"] for t in created["tasks"]]
    assert {(d["predecessor_id"], d["successor_id"]) for d in created["dependencies"]} == {
        (ids[0], ids[1]), (ids[1], ids[2]), (ids[2], ids[3])}
    assert all(t["milestone_id"] == m["id"] for t in created["tasks"])
    assert await api.count("pm_task") == 4
    schedule = await api.ok("GET", f"/v1/projects/{pid}/schedule")
    assert len(schedule["critical_path"]) == 4


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
async def test_model_output_is_used_when_it_parses(api: Any, tmp_path: Any) -> None:
    pid = (await api.project())["id"]
    model_tasks = [{"title": "搭建推荐服务", "estimate_hours": 40, "depends_on": []},
                   {"title": "接入用户行为数据", "estimate_hours": 24, "depends_on": [0, 5]}]
    _with_generator(api, tmp_path, "好的：\n" + json.dumps(model_tasks, ensure_ascii=False))
    out = await api.ok("POST", f"/v1/projects/{pid}/tasks:from-text",
                       json={"text": REQUIREMENT})
    assert out["source"] == "model"
    assert [(t["title"], t["estimate_hours"], t["depends_on"]) for t in out["tasks"]] == [
        ("搭建推荐服务", 40.0, []), ("接入用户行为数据", 24.0, [0])]  # bad index dropped


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
async def test_unusable_model_output_falls_back_to_rules(api: Any, tmp_path: Any) -> None:
    pid = (await api.project())["id"]
    _with_generator(api, tmp_path, "I think you should build a system.")
    out = await api.ok("POST", f"/v1/projects/{pid}/tasks:from-text",
                       json={"text": REQUIREMENT})
    assert out["source"] == "rules" and len(out["tasks"]) == 2
    assert any("not a usable task list" in n for n in out["notes"])
    off = await api.ok("POST", f"/v1/projects/{pid}/tasks:from-text",
                       json={"text": REQUIREMENT, "use_model": False})
    assert off["source"] == "rules"


async def test_from_text_limits(start: Any) -> None:
    async with start(PROJECTS_FROM_TEXT_MAX_CHARS=100) as api:
        pid = (await api.project())["id"]
        long = await api.client.post(f"/v1/projects/{pid}/tasks:from-text",
                                     json={"text": "实现功能。" * 30})
        assert long.status_code == 422
        detail = long.json()["error"]["details"][0]
        assert detail["field"] == "body.text" and detail["limit"] == 100
        empty = await api.client.post(f"/v1/projects/{pid}/tasks:from-text", json={"text": " "})
        assert empty.status_code == 422
        assert (await api.client.post("/v1/projects/nope/tasks:from-text",
                                      json={"text": "x"})).status_code == 404
