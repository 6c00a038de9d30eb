"""Tasks: CRUD, filters, the status workflow, concurrency and atomic refusals."""

from __future__ import annotations

import asyncio
from typing import Any


async def test_crud_numbers_labels_and_etag(api: Any) -> None:
    project = await api.project()
    pid = project["id"]
    a = await api.task(pid, title="Design search API", labels=["Backend", "api", "backend"],
                       estimate_hours=8, priority="high")
    b = await api.task(pid, title="Build ranking")
    assert (a["number"], b["number"]) == (1, 2)
    assert a["labels"] == ["api", "backend"]
    url = f"/v1/projects/{pid}/tasks/{a['id']}"
    got = await api.client.get(url)
    assert got.headers["ETag"] == '"1"'
    changed = await api.client.patch(url, json={"labels": ["api", "search"], "title": "Design"},
                                     headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["labels"] == ["api", "search"] and changed.headers["ETag"] == '"2"'
    # Sending the same values again changes nothing and keeps the version.
    same = await api.ok("PATCH", url, json={"labels": ["search", "api"]})
    assert same["version"] == 2
    assert (await api.client.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    assert (await api.client.get(url)).status_code == 404
    assert await api.count("pm_task_label") == 0
    # Numbers are never reused.
    assert (await api.task(pid))["number"] == 3


async def test_list_filters_sorts_pages(api: Any) -> None:
    pid = (await api.project())["id"]
    ada = await api.member(pid, name="Ada")
    m1 = await api.milestone(pid, name="M1")
    await api.task(pid, title="Low one", priority="low", labels=["ui"], due_date="2031-03-10")
    await api.task(pid, title="Urgent fix", priority="urgent", assignee_id=ada["id"],
                   milestone_id=m1["id"], due_date="2031-03-05")
    await api.task(pid, title="Medium", priority="medium", labels=["api", "ui"],
                   status="backlog")
    await api.task(pid, title="No priority")
    base = f"/v1/projects/{pid}/tasks"
    by_priority = await api.ok("GET", f"{base}?sort=-priority")
    assert [t["title"] for t in by_priority["items"]] == ["Urgent fix", "Medium", "Low one",
                                                         "No priority"]
    assert [t["title"] for t in (await api.ok("GET", f"{base}?label=ui&sort=number"))["items"]
            ] == ["Low one", "Medium"]
    assert [t["title"] for t in (await api.ok("GET", f"{base}?assignee_id={ada['id']}"))["items"]
            ] == ["Urgent fix"]
    assert (await api.ok("GET", f"{base}?assignee_id=none"))["total"] == 3
    assert (await api.ok("GET", f"{base}?milestone_id={m1['id']}"))["total"] == 1
    assert (await api.ok("GET", f"{base}?status=backlog&status=todo"))["total"] == 4
    assert (await api.ok("GET", f"{base}?status=backlog"))["total"] == 1
    assert (await api.ok("GET", f"{base}?q=FIX"))["total"] == 1
    assert (await api.ok("GET", f"{base}?due_before=2031-03-08"))["total"] == 1
    due_sorted = await api.ok("GET", f"{base}?sort=due_date")
    assert [t["title"] for t in due_sorted["items"]][:2] == ["Urgent fix", "Low one"]
    page = await api.ok("GET", f"{base}?limit=3&offset=0")
    assert (len(page["items"]), page["total"], page["next_offset"]) == (3, 4, 3)
    bad = await api.client.get(f"{base}?status=finished")
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "query.status.0"


async def test_status_workflow_and_timestamps(api: Any) -> None:
    pid = (await api.project())["id"]
    task = await api.task(pid, status="backlog")
    bad = await api.client.patch(f"/v1/projects/{pid}/tasks/{task['id']}",
                                 json={"status": "done"})
    assert bad.status_code == 409
    err = bad.json()["error"]
    assert err["code"] == "invalid_transition"
    assert err["details"][0]["field"] == "body.status"
    assert err["details"][0]["current"] == "backlog"
    started = await api.patch_task(pid, task["id"], status="in_progress")
    assert started["started_at"] is not None and started["completed_at"] is None
    done = await api.patch_task(pid, task["id"], status="done")
    assert done["completed_at"] is not None
    reopened = await api.patch_task(pid, task["id"], status="in_progress")
    assert reopened["completed_at"] is None and reopened["started_at"] == started["started_at"]
    unknown = await api.client.patch(f"/v1/projects/{pid}/tasks/{task['id']}",
                                     json={"status": "archived"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "body.status"


async def test_cannot_start_before_predecessors_finish(api: Any) -> None:
    pid = (await api.project())["id"]
    first = await api.task(pid, title="Schema")
    second = await api.task(pid, title="API")
    await api.depend(pid, first["id"], second["id"])
    blocked = await api.client.patch(f"/v1/projects/{pid}/tasks/{second['id']}",
                                     json={"status": "in_progress"})
    assert blocked.status_code == 409
    err = blocked.json()["error"]
    assert err["code"] == "blocked_by_dependencies"
    assert err["details"][0]["field"] == "body.status"
    assert err["details"][0]["blocking"][0]["task_id"] == first["id"]
    await api.patch_task(pid, first["id"], status="in_progress")
    await api.patch_task(pid, first["id"], status="done")
    assert (await api.patch_task(pid, second["id"], status="in_progress"))["status"] == (
        "in_progress")


async def test_bad_references_write_nothing(api: Any) -> None:
    pid = (await api.project())["id"]
    other = (await api.project(name="Other"))["id"]
    stranger = await api.member(other, name="Stranger")
    before = {t: await api.count(t) for t in ("pm_task", "pm_activity", "shopmind_outbox")}
    cases = [({"title": "x", "assignee_id": stranger["id"]}, "body.assignee_id"),
             ({"title": "x", "milestone_id": "missing"}, "body.milestone_id"),
             ({"title": "x", "start_date": "2031-03-10", "due_date": "2031-03-01"},
              "body.due_date"),
             ({"title": "x", "estimate_hours": -1}, "body.estimate_hours"),
             ({"title": " "}, "body.title"),
             ({"title": "x", "status": "done"}, "body.status")]
    for body, field in cases:
        resp = await api.client.post(f"/v1/projects/{pid}/tasks", json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["error"]["details"][0]["field"] == field
    after = {t: await api.count(t) for t in before}
    assert after == before
    # The per-project task counter did not move either.
    assert (await api.task(pid))["number"] == 1
    missing = await api.client.post("/v1/projects/missing/tasks", json={"title": "x"})
    assert missing.status_code == 404


async def test_unknown_task_ids_are_404(api: Any) -> None:
    pid = (await api.project())["id"]
    for method in ("GET", "PATCH", "DELETE"):
        resp = await api.client.request(method, f"/v1/projects/{pid}/tasks/nope",
                                        json={} if method == "PATCH" else None)
        assert resp.status_code == 404
        assert resp.json()["error"]["details"][0]["field"] == "path.task_id"
    other = (await api.project(name="Other"))["id"]
    foreign = await api.task(other)
    # A task is only reachable under its own project.
    assert (await api.client.get(f"/v1/projects/{pid}/tasks/{foreign['id']}")).status_code == 404


async def test_concurrent_writers_one_wins_the_other_gets_412(api: Any) -> None:
    pid = (await api.project())["id"]
    task = await api.task(pid)
    url = f"/v1/projects/{pid}/tasks/{task['id']}"
    answers = await asyncio.gather(*[
        api.client.patch(url, json={"title": f"writer {i}"}, headers={"If-Match": '"1"'})
        for i in range(4)])
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 1 and codes.count(412) == 3, codes
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert (await api.get_task(pid, task["id"]))["title"] == winner["title"]


async def test_retried_task_create(api: Any) -> None:
    pid = (await api.project())["id"]
    headers = {"Idempotency-Key": "t-1"}
    first = await api.client.post(f"/v1/projects/{pid}/tasks", json={"title": "Once"},
                                  headers=headers)
    again = await api.client.post(f"/v1/projects/{pid}/tasks", json={"title": "Once"},
                                  headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert await api.count("pm_task") == 1
    assert await api.count("shopmind_outbox", "topic = :t", t="projects.task.changed") == 1
