"""Dependencies: cycles refused with the cycle named, bad references, concurrency."""

from __future__ import annotations

import asyncio
from typing import Any


async def test_cycle_is_refused_naming_the_cycle(api: Any) -> None:
    pid = (await api.project())["id"]
    a, b, c = [await api.task(pid, title=t) for t in ("Schema", "API", "UI")]
    await api.depend(pid, a["id"], b["id"])
    await api.depend(pid, b["id"], c["id"])
    before = {t: await api.count(t) for t in ("pm_task_dependency", "pm_activity",
                                              "shopmind_outbox")}
    resp = await api.client.post(f"/v1/projects/{pid}/dependencies",
                                 json={"predecessor_id": c["id"], "successor_id": a["id"]})
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == "dependency_cycle"
    assert "#3 -> #1 -> #2 -> #3" in error["message"]
    detail = error["details"][0]
    assert detail["field"] == "body.predecessor_id"
    assert [step["task_id"] for step in detail["cycle"]] == [c["id"], a["id"], b["id"], c["id"]]
    assert [step["title"] for step in detail["cycle"]] == ["UI", "Schema", "API", "UI"]
    assert {t: await api.count(t) for t in before} == before  # nothing half-written


async def test_self_duplicate_and_foreign_dependencies(api: Any) -> None:
    pid = (await api.project())["id"]
    a, b = await api.task(pid), await api.task(pid)
    url = f"/v1/projects/{pid}/dependencies"
    self_dep = await api.client.post(url, json={"predecessor_id": a["id"],
                                                "successor_id": a["id"]})
    assert self_dep.status_code == 422
    assert self_dep.json()["error"]["code"] == "dependency_cycle"
    await api.depend(pid, a["id"], b["id"])
    dup = await api.client.post(url, json={"predecessor_id": a["id"], "successor_id": b["id"]})
    assert dup.status_code == 409
    assert dup.json()["error"]["details"][0]["field"] == "body.predecessor_id"
    foreign = await api.task((await api.project(name="Other"))["id"])
    resp = await api.client.post(url, json={"predecessor_id": foreign["id"],
                                            "successor_id": b["id"]})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.predecessor_id"
    resp = await api.client.post(url, json={"predecessor_id": a["id"], "successor_id": "nope"})
    assert resp.json()["error"]["details"][0]["field"] == "body.successor_id"
    resp = await api.client.post(url, json={"predecessor_id": a["id"], "successor_id": b["id"],
                                            "lag_days": 1000})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.lag_days"
    assert (await api.client.post("/v1/projects/nope/dependencies", json={
        "predecessor_id": a["id"], "successor_id": b["id"]})).status_code == 404
    assert await api.count("pm_task_dependency") == 1


async def test_update_list_delete(api: Any) -> None:
    pid = (await api.project())["id"]
    a, b, c = await api.task(pid), await api.task(pid), await api.task(pid)
    ab = await api.depend(pid, a["id"], b["id"])
    await api.depend(pid, b["id"], c["id"])
    url = f"/v1/projects/{pid}/dependencies/{ab['id']}"
    changed = await api.client.patch(url, json={"lag_days": 2}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["lag_days"] == 2
    stale = await api.client.patch(url, json={"lag_days": 3}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    touching_b = await api.ok("GET", f"/v1/projects/{pid}/dependencies?task_id={b['id']}")
    assert touching_b["total"] == 2
    assert (await api.client.delete(url)).status_code == 204
    assert (await api.client.get(url)).status_code == 404
    assert (await api.client.get(url)).json()["error"]["details"][0]["field"] == (
        "path.dependency_id")
    # Deleting a task removes its dependencies with it.
    await api.ok("DELETE", f"/v1/projects/{pid}/tasks/{c['id']}", 204)
    assert (await api.ok("GET", f"/v1/projects/{pid}/dependencies"))["total"] == 0


async def test_concurrent_opposite_edges_cannot_both_win(api: Any) -> None:
    pid = (await api.project())["id"]
    a, b = await api.task(pid), await api.task(pid)
    url = f"/v1/projects/{pid}/dependencies"
    answers = await asyncio.gather(
        api.client.post(url, json={"predecessor_id": a["id"], "successor_id": b["id"]}),
        api.client.post(url, json={"predecessor_id": b["id"], "successor_id": a["id"]}))
    assert sorted(r.status_code for r in answers) == [201, 422], [r.text for r in answers]
    assert await api.count("pm_task_dependency") == 1
