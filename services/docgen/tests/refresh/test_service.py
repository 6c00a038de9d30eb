from __future__ import annotations

import asyncio
from typing import Any

import pytest


async def _latest(stack: Any, doc_id: str) -> int:
    doc = (await stack.docgen.get(f"/v1/docgen/documents/{doc_id}")).json()
    return int(doc["latest_version"])


async def _wait_version(stack: Any, doc_id: str, version: int, timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while await _latest(stack, doc_id) < version:
        assert asyncio.get_running_loop().time() < deadline, f"no v{version} of {doc_id}"
        await asyncio.sleep(0.1)


async def _event_driven_refresh(stack: Any, seed: Any, timeout_s: float) -> None:
    s = await seed(stack.projects)
    status = {}
    for language in ("en", "zh"):
        job = await stack.job({"type": "status", "project_id": s.project_id,
                               "language": language})
        assert job["status"] == "succeeded" and job["version"] == 1
        status[language] = job["document_id"]
    plan = await stack.job({"type": "plan", "project_id": s.project_id})

    # A burst of task changes: #2 finishes, #3 starts.
    base = f"/v1/projects/{s.project_id}/tasks"
    assert (await stack.projects.patch(f"{base}/{s.tasks[2]}", json={"status": "done"})
            ).status_code == 200
    assert (await stack.projects.patch(f"{base}/{s.tasks[3]}", json={"status": "in_progress"})
            ).status_code == 200

    for doc_id in status.values():
        await _wait_version(stack, doc_id, 2, timeout_s)
    # Debounced: the burst gave one new version per report, not one per change.
    await asyncio.sleep(stack.engine.settings.refresh_debounce_s * 3)
    for doc_id in status.values():
        versions = (await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/versions")).json()
        assert [(v["version"], v["trigger"]) for v in versions] == [(1, "request"),
                                                                     (2, "event")]
    diff = (await stack.docgen.get(f"/v1/docgen/documents/{status['en']}/diff",
                                   params={"from": 1, "to": 2})).json()
    assert "+- #2 Build the feature store (Alice Wang" in diff["unified"]
    assert "Completed this period" in diff["stats"]["sections_changed"]
    # Only status reports follow task changes.
    assert await _latest(stack, plan["document_id"]) == 1
    refreshed = (await stack.docgen.get("/v1/docgen/jobs", params={
        "project_id": s.project_id})).json()["items"]
    # The seeding's own task events may also land after the reports exist and start a
    # refresh that finds nothing new to publish: jobs, but no extra version.
    assert {j["language"] for j in refreshed if j["trigger"] == "event"} == {"en", "zh"}


async def test_task_changes_refresh_status_reports_debounced(stack: Any, seed: Any) -> None:
    await _event_driven_refresh(stack, seed, timeout_s=15)


async def test_a_change_to_a_project_without_reports_starts_nothing(stack: Any,
                                                                    seed: Any) -> None:
    s = await seed(stack.projects)
    before = stack.engine.refresher.jobs_started
    await stack.projects.patch(f"/v1/projects/{s.project_id}/tasks/{s.tasks[2]}",
                               json={"status": "done"})
    await asyncio.sleep(stack.engine.settings.refresh_debounce_s * 4)
    assert stack.engine.refresher.jobs_started == before
    assert (await stack.docgen.get("/v1/docgen/jobs", params={
        "project_id": s.project_id})).json()["total"] == 0


@pytest.mark.kafka
async def test_refresh_through_kafka(make_stack: Any, seed: Any, kafka_bus: Any) -> None:
    # Kafka adds transport latency between the two changes: a wider debounce window.
    async with make_stack(bus=kafka_bus, DOCGEN_REFRESH_DEBOUNCE_S=2.0) as stack:
        await _event_driven_refresh(stack, seed, timeout_s=60)
