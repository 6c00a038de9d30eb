"""Milestones: CRUD and validation."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)  # SQL shared: activity test
async def test_milestone_crud(api: Any) -> None:
    pid = (await api.project())["id"]
    m1 = await api.milestone(pid, name="Beta", due_date="2031-04-01")
    await api.milestone(pid, name="Alpha", due_date="2031-03-15")
    await api.milestone(pid, name="Later")
    listed = await api.ok("GET", f"/v1/projects/{pid}/milestones")
    assert [m["name"] for m in listed["items"]] == ["Alpha", "Beta", "Later"]  # by due date
    bad = await api.client.post(f"/v1/projects/{pid}/milestones", json={
        "name": "x", "start_date": "2031-03-10", "due_date": "2031-03-01"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "body.due_date"
    url = f"/v1/projects/{pid}/milestones/{m1['id']}"
    closed = await api.client.patch(url, json={"status": "closed"}, headers={"If-Match": '"1"'})
    assert closed.status_code == 200 and closed.headers["ETag"] == '"2"'
    assert (await api.ok("GET", f"/v1/projects/{pid}/milestones?status=open"))["total"] == 2
    wrong = await api.client.patch(url, json={"status": "done"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["field"] == "body.status"
    assert (await api.client.delete(url, headers={"If-Match": '"1"'})).status_code == 412
    assert (await api.client.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    assert (await api.client.get(url)).status_code == 404
