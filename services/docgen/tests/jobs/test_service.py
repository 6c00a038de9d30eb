from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
import shopmind_common.http
from shopmind_common.models import Generation, Prompt, TextGenerator

REQUIREMENT = "构建一个电商搜索推荐系统，实现基于用户行为的个性化推荐，提升用户购买转化率。"


class ScriptedModel(TextGenerator):
    """Stands in for the model: answers every prompt with the given text, piece by piece."""

    backend = "scripted"
    model_name = "scripted"

    def __init__(self, text: str, delay_s: float = 0.0) -> None:
        self.text = text
        self.delay_s = delay_s
        self.prompts: list[Prompt] = []
        self.stopped = threading.Event()

    def generate(self, prompt: Prompt, *, max_new_tokens: int = 128, temperature: float = 0.0,
                 top_p: float = 1.0, stop: Sequence[str] = ()) -> Generation:
        return Generation(self.text, 0, len(self.text.split()), "stop", self.model_name)

    def stream(self, prompt: Prompt, *, max_new_tokens: int = 128, temperature: float = 0.0,
               top_p: float = 1.0, stop: Sequence[str] = ()) -> Iterator[str]:
        self.prompts.append(prompt)
        try:
            for word in self.text.split(" "):
                if self.delay_s:
                    time.sleep(self.delay_s)
                yield word + " "
        finally:
            self.stopped.set()

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend}


async def test_plan_cites_exactly_the_projects_milestones_and_tasks(stack: Any,
                                                                   seeded: Any) -> None:
    job = await stack.job({"type": "plan", "project_id": seeded.project_id,
                           "requirement": REQUIREMENT})
    assert job["status"] == "succeeded", job
    assert job["version"] == 1 and job["progress"] == 1.0
    version = await stack.version(job["document_id"])
    cited = version["proofreading"]["citations"]
    assert cited["tasks"] == sorted(seeded.tasks)
    assert cited["milestones"] == sorted(seeded.milestones.values())
    assert cited["members"] == sorted(seeded.members.values())
    md = version["markdown"]
    # Owners and dates in the task table are the project's own.
    tasks = (await stack.projects.get(f"/v1/projects/{seeded.project_id}/tasks")).json()["items"]
    for t in tasks:
        assert f"| #{t['number']} {t['title']} |" in md
        assert t["due_date"] in md
    assert "| #6 A/B test and launch | unassigned |" in md
    assert all(s["source"] == "template" for s in version["generation"]["sections"].values())
    assert version["source"]["tasks"] == 7 and version["source"]["risk_flags"] == "projects"


async def test_every_type_in_both_languages(stack: Any, seeded: Any) -> None:
    release_ms = seeded.milestones["Data pipeline"]
    for doc_type in ("plan", "prd", "design", "status", "release_notes"):
        for language in ("en", "zh"):
            body: dict[str, Any] = {"type": doc_type, "project_id": seeded.project_id,
                                    "language": language, "requirement": REQUIREMENT}
            if doc_type == "release_notes":
                body["milestone_id"] = release_ms
            if doc_type == "prd":
                body["pain_points"] = [{"aspect": "物流", "negative": 41, "total": 90,
                                        "examples": ["发货太慢"]}]
            job = await stack.job(body)
            assert job["status"] == "succeeded", (doc_type, language, job)
            md = (await stack.version(job["document_id"]))["markdown"]
            if language == "zh":
                assert {"plan": "项目计划", "prd": "产品需求文档", "design": "技术设计文档",
                        "status": "项目周报", "release_notes": "发布说明"}[doc_type] in md
            if doc_type == "release_notes":
                # The milestone's done task ships; the open one does not.
                assert "#1 Collect behaviour events" in md and "#2 " not in md
            if doc_type == "prd":
                assert "物流" in md
            if doc_type == "design":
                assert ("- #4 must finish before #5 starts" if language == "en"
                        else "- #4 完成后 #5 才能开始") in md
    docs = (await stack.docgen.get("/v1/docgen/documents",
                                   params={"project_id": seeded.project_id})).json()
    assert {(d["type"], d["language"]) for d in docs["items"]} == {
        (t, lang) for t in ("plan", "prd", "design", "status", "release_notes")
        for lang in ("en", "zh")}


async def test_hallucinated_task_in_model_output_fails_proofreading(stack: Any,
                                                                   seeded: Any) -> None:
    model = ScriptedModel("We will ship the ranking service in task #42 owned by @Dave "
                          "before 2031-02-30.")
    stack.engine.use_generator(model, {"en"})
    job = await stack.job({"type": "status", "project_id": seeded.project_id})
    assert job["status"] == "failed"
    assert job["error"]["code"] == "proofreading_failed"
    codes = {i["code"]: i["message"] for i in job["proofreading"]["issues"]}
    assert "task #42" in codes["task_unknown"]
    assert "@Dave" in codes["member_unknown"]
    assert codes["date_invalid"].startswith("2031-02-30")
    assert job["document_id"] is None and job["version"] is None
    # Not published: no version comes from this job, but the rejected draft can be read.
    docs = (await stack.docgen.get("/v1/docgen/documents", params={
        "project_id": seeded.project_id, "type": "status"})).json()["items"]
    for doc in docs:
        versions = (await stack.docgen.get(f"/v1/docgen/documents/{doc['id']}/versions")).json()
        assert job["id"] not in {v["job_id"] for v in versions}
    draft = await stack.docgen.get(job["links"]["draft"])
    assert draft.status_code == 200 and "task #42" in draft.text
    assert model.prompts  # the model was asked


async def test_replace_policy_swaps_unverified_prose_for_the_template(stack: Any,
                                                                     seeded: Any) -> None:
    stack.engine.use_generator(ScriptedModel("Task #99 is done."), {"en"})
    job = await stack.job({"type": "status", "project_id": seeded.project_id,
                           "on_unverified_prose": "replace",
                           "as_of": str(seeded.base + timedelta(days=19))})
    assert job["status"] == "succeeded", job
    version = await stack.version(job["document_id"])
    section = version["generation"]["sections"]["summary"]
    assert section["source"] == "template"
    assert section["replaced_issues"][0]["code"] == "task_unknown"
    assert "#99" not in version["markdown"]


async def test_model_prose_that_checks_out_is_published(stack: Any, seeded: Any) -> None:
    stack.engine.use_generator(ScriptedModel("The data pipeline is half done and the "
                                             "ranking work starts next."), {"en"})
    job = await stack.job({"type": "status", "project_id": seeded.project_id,
                           "as_of": str(seeded.base + timedelta(days=18))})
    assert job["status"] == "succeeded", job
    version = await stack.version(job["document_id"])
    assert version["generation"]["sections"]["summary"]["source"] == "model"
    assert "The data pipeline is half done" in version["markdown"]


async def test_sse_streams_progress_text_and_the_end(stack: Any, seeded: Any) -> None:
    stack.engine.use_generator(ScriptedModel("Work is on track for the next milestone.",
                                             delay_s=0.05), {"en"})
    resp = await stack.docgen.post("/v1/docgen/jobs", json={
        "type": "status", "project_id": seeded.project_id})
    assert resp.status_code == 202 and resp.headers["location"].endswith(resp.json()["id"])
    events: list[tuple[str, dict[str, Any]]] = []
    async with stack.docgen.stream("GET", resp.json()["links"]["events"]) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        event = ""
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
    kinds = [e for e, _ in events]
    assert kinds[-1] == "end" and events[-1][1]["status"] == "succeeded"
    assert "progress" in kinds
    text = "".join(d["text"] for e, d in events if e == "token")
    assert text.strip() == "Work is on track for the next milestone."
    stages = [d["stage"] for e, d in events if e == "progress"]
    assert any(s.startswith("writing:") for s in stages)


async def test_cancel_a_running_job(stack: Any, seeded: Any) -> None:
    model = ScriptedModel(" ".join(["slow"] * 400), delay_s=0.02)
    stack.engine.use_generator(model, {"en"})
    resp = await stack.docgen.post("/v1/docgen/jobs", json={
        "type": "plan", "project_id": seeded.project_id})
    job_id = resp.json()["id"]
    for _ in range(500):
        job = (await stack.docgen.get(f"/v1/docgen/jobs/{job_id}")).json()
        if job["stage"].startswith("writing:"):
            break
        await asyncio.sleep(0.01)
    cancel = await stack.docgen.post(f"/v1/docgen/jobs/{job_id}/cancel")
    assert cancel.status_code == 202 and cancel.json()["cancel_requested"] is True
    job = await stack.wait(job_id)
    assert job["status"] == "cancelled" and job["document_id"] is None
    assert await asyncio.to_thread(model.stopped.wait, 5)  # generation stopped early
    again = await stack.docgen.post(f"/v1/docgen/jobs/{job_id}/cancel")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


async def test_cancel_a_queued_job(stack: Any, seeded: Any) -> None:
    stack.engine.use_generator(ScriptedModel(" ".join(["slow"] * 100), delay_s=0.02), {"en"})
    first = (await stack.docgen.post("/v1/docgen/jobs", json={
        "type": "plan", "project_id": seeded.project_id})).json()
    second = (await stack.docgen.post("/v1/docgen/jobs", json={
        "type": "design", "project_id": seeded.project_id})).json()
    resp = await stack.docgen.post(f"/v1/docgen/jobs/{second['id']}/cancel")
    assert resp.json()["status"] == "cancelled"
    await stack.docgen.post(f"/v1/docgen/jobs/{first['id']}/cancel")
    assert (await stack.wait(first["id"]))["status"] == "cancelled"
    listed = (await stack.docgen.get("/v1/docgen/jobs", params={
        "project_id": seeded.project_id, "status": "cancelled"})).json()
    assert {first["id"], second["id"]} <= {j["id"] for j in listed["items"]}


async def test_prd_without_kg_says_so(stack: Any, seeded: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Another test in this process may have put the kg app in process: take it out.
    monkeypatch.delitem(shopmind_common.http._local_apps, "kg", raising=False)
    job = await stack.job({"type": "prd", "project_id": seeded.project_id,
                           "product_line": "phones"})
    assert job["status"] == "succeeded", job
    version = await stack.version(job["document_id"])
    assert version["source"]["insights"]["source"] == "none"
    assert "kg unavailable" in version["source"]["insights"]["note"]
    assert "No product insights were available." in version["markdown"]


async def test_bad_requests_are_4xx_naming_the_field(stack: Any, seeded: Any) -> None:
    post = stack.docgen.post
    resp = await post("/v1/docgen/jobs", json={"type": "memo", "project_id": "x"})
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "body.type"
    resp = await post("/v1/docgen/jobs", json={"type": "plan", "project_id": "nope"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.project_id"
    resp = await post("/v1/docgen/jobs", json={"type": "plan", "project_id": seeded.project_id,
                                               "requirement": "x" * 20_001})
    assert resp.status_code == 413
    assert resp.json()["error"]["details"][0]["field"] == "body.requirement"
    resp = await post("/v1/docgen/jobs", json={"type": "plan", "project_id": seeded.project_id,
                                               "milestone_id": "m"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.milestone_id"
    resp = await post("/v1/docgen/jobs", json={"type": "release_notes",
                                               "project_id": seeded.project_id,
                                               "milestone_id": "missing"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.milestone_id"
    resp = await post("/v1/docgen/jobs", json={"type": "plan", "project_id": seeded.project_id,
                                               "language": "fr"})
    assert resp.json()["error"]["details"][0]["field"] == "body.language"
    assert (await stack.docgen.get("/v1/docgen/jobs/nope")).status_code == 404
    assert (await stack.docgen.get("/v1/docgen/jobs/nope/draft")).status_code == 404
