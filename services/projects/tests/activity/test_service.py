"""Every change lands in the activity log, in the change's transaction."""

from __future__ import annotations

from typing import Any


async def test_every_kind_of_change_is_logged(api: Any) -> None:
    pid = (await api.project())["id"]
    member = await api.member(pid, name="Ada", email="ADA@shop.example")
    milestone = await api.milestone(pid)
    a = await api.task(pid, title="A", assignee_id=member["id"], milestone_id=milestone["id"])
    b = await api.task(pid, title="B")
    dep = await api.depend(pid, a["id"], b["id"])
    comment = await api.ok("POST", f"/v1/projects/{pid}/tasks/{a['id']}/comments", 201,
                           json={"body": "looks good"})
    await api.ok("PATCH", f"/v1/projects/{pid}/tasks/{a['id']}/comments/{comment['id']}",
                 json={"body": "looks great"})
    await api.patch_task(pid, a["id"], title="A2")
    await api.ok("PATCH", f"/v1/projects/{pid}/members/{member['id']}", json={"role": "dev"})
    await api.ok("DELETE", f"/v1/projects/{pid}/dependencies/{dep['id']}", 204)
    await api.ok("DELETE", f"/v1/projects/{pid}/members/{member['id']}", 204)
    await api.ok("DELETE", f"/v1/projects/{pid}/milestones/{milestone['id']}", 204)

    log = await api.ok("GET", f"/v1/projects/{pid}/activity?sort=id&limit=100")
    seen = [(e["entity_type"], e["action"]) for e in log["items"]]
    assert seen == [
        ("project", "created"), ("member", "created"), ("milestone", "created"),
        ("task", "created"), ("task", "created"), ("dependency", "created"),
        ("comment", "created"), ("comment", "updated"), ("task", "updated"),
        ("member", "updated"), ("dependency", "deleted"),
        ("task", "updated"), ("member", "deleted"),  # A is unassigned, then Ada goes
        ("task", "updated"), ("milestone", "deleted"),  # A leaves the milestone, then it goes
    ]
    title_change = log["items"][8]["changes"]
    assert title_change == {"title": {"from": "A", "to": "A2"}}
    assert log["items"][11]["changes"] == {"assignee_id": {"from": member["id"], "to": None}}
    task = await api.get_task(pid, a["id"])
    assert task["assignee_id"] is None and task["milestone_id"] is None
    only_a = await api.ok("GET", f"/v1/projects/{pid}/activity?entity_id={a['id']}")
    assert only_a["total"] == 4
