"""Projected schedule, critical path and rescheduling after a slip, through the API."""

from __future__ import annotations

from typing import Any

from shopmind.events import TASK_CHANGED, TaskChanged
from shopmind_common.events import decode


async def _textbook(api: Any) -> tuple[str, dict[str, dict[str, Any]]]:
    """A(3d) -> B(2d), A -> C(4d); B, C -> D(2d); C -> E(3d); D, E -> F(1d); 8h days."""
    pid = (await api.project(start_date="2031-03-03"))["id"]
    days = {"A": 3, "B": 2, "C": 4, "D": 2, "E": 3, "F": 1}
    tasks = {n: await api.task(pid, title=n, estimate_hours=8 * d) for n, d in days.items()}
    for pred, succ in [("A", "B"), ("A", "C"), ("B", "D"), ("C", "D"), ("C", "E"),
                       ("D", "F"), ("E", "F")]:
        await api.depend(pid, tasks[pred]["id"], tasks[succ]["id"])
    return pid, tasks


async def test_critical_path_on_a_known_graph(api: Any) -> None:
    pid, tasks = await _textbook(api)
    schedule = await api.ok("GET", f"/v1/projects/{pid}/schedule")
    by_title = {t["title"]: t for t in schedule["tasks"]}
    name = {t["id"]: n for n, t in tasks.items()}
    assert [name[t] for t in schedule["critical_path"]] == ["A", "C", "E", "F"]
    assert {n for n, t in by_title.items() if t["critical"]} == {"A", "C", "E", "F"}
    assert {n: t["slack_days"] for n, t in by_title.items()} == {
        "A": 0, "B": 3, "C": 0, "D": 1, "E": 0, "F": 0}
    # Monday 3 March 2031, weekends off: C runs Thu 6 -> Tue 11, F is on Monday 17.
    assert (by_title["C"]["projected_start"], by_title["C"]["projected_finish"]) == (
        "2031-03-06", "2031-03-11")
    assert by_title["F"]["projected_start"] == by_title["F"]["projected_finish"] == "2031-03-17"
    assert (schedule["start"], schedule["finish"], schedule["duration_days"]) == (
        "2031-03-03", "2031-03-17", 11)


async def test_reschedule_after_a_slip(api: Any, bus: Any) -> None:
    pid = (await api.project(start_date="2031-03-03"))["id"]
    a = await api.task(pid, title="Data model", estimate_hours=16)
    b = await api.task(pid, title="API", estimate_hours=16, start_date="2031-03-05",
                       due_date="2031-03-06")
    c = await api.task(pid, title="UI", estimate_hours=8, start_date="2031-03-07",
                       due_date="2031-03-07")
    lone = await api.task(pid, title="Unrelated", estimate_hours=8, start_date="2031-03-04",
                          due_date="2031-03-04")
    await api.depend(pid, a["id"], b["id"])
    await api.depend(pid, b["id"], c["id"])
    assert (await api.get_task(pid, b["id"]))["version"] == 1  # planned dates still fit

    # The data model slips by two days: API and UI move by two working days, over the weekend.
    await api.patch_task(pid, a["id"], estimate_hours=32)
    moved_b, moved_c = await api.get_task(pid, b["id"]), await api.get_task(pid, c["id"])
    assert (moved_b["start_date"], moved_b["due_date"]) == ("2031-03-07", "2031-03-10")
    assert (moved_c["start_date"], moved_c["due_date"]) == ("2031-03-11", "2031-03-11")
    assert moved_b["version"] == 2 and moved_c["version"] == 2
    assert (await api.get_task(pid, lone["id"]))["version"] == 1

    log = await api.ok("GET", f"/v1/projects/{pid}/activity?action=rescheduled&sort=id")
    assert [e["entity_id"] for e in log["items"]] == [b["id"], c["id"]]
    assert log["items"][0]["changes"]["start_date"] == {"from": "2031-03-05",
                                                         "to": "2031-03-07"}
    assert log["items"][0]["changes"]["because_of"] == [a["id"]]

    await api.app.state.outbox_relay.relay_once()
    changes = [decode(r) for r in bus.messages(TASK_CHANGED)]
    moved = [e.payload for e in changes
             if isinstance(e.payload, TaskChanged) and e.payload.task_id == c["id"]
             and "start_date" in e.payload.changed_fields]
    assert moved and moved[-1].start_date == "2031-03-11" and moved[-1].version == 2

    # Pulling the estimate back does not pull the successors earlier on its own.
    await api.patch_task(pid, a["id"], estimate_hours=16)
    assert (await api.get_task(pid, b["id"]))["start_date"] == "2031-03-07"


async def test_new_dependency_and_longer_lag_reschedule(api: Any) -> None:
    pid = (await api.project(start_date="2031-03-03"))["id"]
    a = await api.task(pid, title="A", estimate_hours=24)
    b = await api.task(pid, title="B", estimate_hours=8, start_date="2031-03-03",
                       due_date="2031-03-03")
    dep = await api.depend(pid, a["id"], b["id"])
    assert (await api.get_task(pid, b["id"]))["start_date"] == "2031-03-06"
    await api.ok("PATCH", f"/v1/projects/{pid}/dependencies/{dep['id']}", json={"lag_days": 2})
    moved = await api.get_task(pid, b["id"])
    assert (moved["start_date"], moved["due_date"]) == ("2031-03-10", "2031-03-10")


async def test_started_work_is_not_moved_and_due_only_tasks_are(api: Any) -> None:
    pid = (await api.project(start_date="2031-03-03"))["id"]
    a = await api.task(pid, title="A", estimate_hours=16)
    b = await api.task(pid, title="B", estimate_hours=8, due_date="2031-03-03")
    running = await api.task(pid, title="Running", estimate_hours=8, start_date="2031-03-03",
                             due_date="2031-03-03")
    await api.patch_task(pid, running["id"], status="in_progress")
    schedule = await api.ok("GET", f"/v1/projects/{pid}/schedule?as_of=2031-03-03")
    assert {t["title"]: t["late"] for t in schedule["tasks"]} == {
        "A": False, "B": False, "Running": False}
    await api.depend(pid, a["id"], b["id"])
    await api.depend(pid, a["id"], running["id"])
    # B had only a due date: it is pushed to its projected finish.
    assert (await api.get_task(pid, b["id"]))["due_date"] == "2031-03-05"
    # Work already under way keeps its dates; the schedule shows it late instead.
    kept = await api.get_task(pid, running["id"])
    assert (kept["start_date"], kept["due_date"]) == ("2031-03-03", "2031-03-03")
    applied = await api.ok("POST", f"/v1/projects/{pid}/schedule:apply")
    assert applied["rescheduled"] == []  # nothing left to move
    assert (await api.client.post("/v1/projects/nope/schedule:apply")).status_code == 404
