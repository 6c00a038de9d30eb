"""Progress weighted by estimate, burndown per milestone, and the four risk flags."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shopmind_projects.db.models import Task
from sqlalchemy import update


async def _set_history(api: Any, task_id: str, **values: Any) -> None:
    """Put a task's timestamps in the past the test describes (history, not via the API)."""
    async with api.app.state.db.session() as session:
        await session.execute(update(Task).where(Task.id == task_id).values(**values)
                              .execution_options(synchronize_session=False))


def _at(day: int) -> datetime:
    return datetime(2031, 3, day, 10, 0, tzinfo=UTC)


async def test_progress_is_weighted_by_estimate(api: Any) -> None:
    pid = (await api.project())["id"]
    m1 = await api.milestone(pid, name="M1")
    done = await api.task(pid, title="done", estimate_hours=8, milestone_id=m1["id"])
    await api.task(pid, title="big", estimate_hours=24, milestone_id=m1["id"])
    await api.task(pid, title="unestimated")  # weighs one default day (8h)
    dropped = await api.task(pid, title="dropped", estimate_hours=100)
    await api.patch_task(pid, done["id"], status="in_progress")
    await api.patch_task(pid, done["id"], status="done")
    await api.patch_task(pid, dropped["id"], status="cancelled")
    progress = await api.ok("GET", f"/v1/projects/{pid}/progress")
    assert progress["percent_done"] == 20.0  # 8 of 40 hours; cancelled work is not scope
    assert (progress["done_hours"], progress["total_hours"], progress["task_count"]) == (
        8.0, 40.0, 3)
    assert progress["by_status"] == {"cancelled": 1, "done": 1, "todo": 2}
    per = {m["name"]: m for m in progress["milestones"]}
    assert per["M1"]["percent_done"] == 25.0 and per["(no milestone)"]["total_hours"] == 8.0


async def test_burndown_per_milestone(api: Any) -> None:
    pid = (await api.project())["id"]
    m = await api.milestone(pid, name="Sprint 1", start_date="2031-03-03",
                            due_date="2031-03-07")
    t1 = await api.task(pid, title="t1", estimate_hours=8, milestone_id=m["id"])
    t2 = await api.task(pid, title="t2", estimate_hours=16, milestone_id=m["id"])
    t3 = await api.task(pid, title="t3", estimate_hours=8, milestone_id=m["id"])
    await api.task(pid, title="elsewhere", estimate_hours=50)
    await _set_history(api, t1["id"], created_at=_at(3), status="done", completed_at=_at(4))
    await _set_history(api, t2["id"], created_at=_at(3), status="done", completed_at=_at(6))
    await _set_history(api, t3["id"], created_at=_at(5))
    burndown = await api.ok(
        "GET", f"/v1/projects/{pid}/milestones/{m['id']}/burndown?as_of=2031-03-06")
    points = [(p["date"], p["scope_hours"], p["remaining_hours"], p["ideal_hours"])
              for p in burndown["points"]]
    assert points == [
        ("2031-03-03", 24.0, 24.0, 24.0),
        ("2031-03-04", 24.0, 16.0, 18.0),
        ("2031-03-05", 32.0, 24.0, 12.0),  # t3 joined the sprint
        ("2031-03-06", 32.0, 8.0, 6.0),
        ("2031-03-07", None, None, 0.0),  # still ahead
    ]
    missing = await api.client.get(f"/v1/projects/{pid}/milestones/nope/burndown")
    assert missing.status_code == 404
    assert missing.json()["error"]["details"][0]["field"] == "path.milestone_id"


async def test_risk_flags(api: Any) -> None:
    pid = (await api.project())["id"]
    ada = await api.member(pid, name="Ada", weekly_capacity_hours=10)
    bob = await api.member(pid, name="Bob", weekly_capacity_hours=40)
    late_ms = await api.milestone(pid, name="Launch", due_date="2031-03-13")
    overdue = await api.task(pid, title="Contract", due_date="2031-03-05")
    middle = await api.task(pid, title="Integrate")
    waiting = await api.task(pid, title="Go live", start_date="2031-03-11")
    await api.depend(pid, overdue["id"], middle["id"])
    await api.depend(pid, middle["id"], waiting["id"])
    for title in ("Index", "Ranker"):
        await api.task(pid, title=title, estimate_hours=16, assignee_id=ada["id"])
    await api.task(pid, title="Light", estimate_hours=8, assignee_id=bob["id"])
    await api.task(pid, title="Big build", estimate_hours=40, milestone_id=late_ms["id"])

    risks = await api.ok("GET", f"/v1/projects/{pid}/risks?as_of=2031-03-12")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for flag in risks["flags"]:
        by_type.setdefault(flag["type"], []).append(flag)
    assert [f["entity_id"] for f in by_type["overdue"]] == [overdue["id"]]
    assert by_type["overdue"][0]["details"]["days_overdue"] == 7

    blocked = {f["entity_id"]: f for f in by_type["blocked"]}
    assert waiting["id"] in blocked
    chain = blocked[waiting["id"]]["details"]["chain"]
    assert [c["task_id"] for c in chain] == [overdue["id"], middle["id"]]
    assert blocked[waiting["id"]]["severity"] == "high"  # the chain holds an overdue task
    assert "#1 -> #2" in blocked[waiting["id"]]["message"]

    capacity = by_type["over_capacity"]
    assert [f["entity_id"] for f in capacity] == [ada["id"]]
    assert capacity[0]["details"]["load_hours"] == 32.0
    assert capacity[0]["details"]["capacity_hours"] == 10.0

    late = by_type["milestone_late"]
    assert [f["entity_id"] for f in late] == [late_ms["id"]]
    assert late[0]["details"]["projected_finish"] == "2031-03-18"
    assert risks["counts"]["overdue"] == 1

    # Nothing is at risk on the first day of the plan.
    early = await api.ok("GET", f"/v1/projects/{pid}/risks?as_of=2031-03-03")
    assert "overdue" not in early["counts"] and "blocked" not in early["counts"]
