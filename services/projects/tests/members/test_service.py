"""Members: CRUD, unique e-mail per project, validation."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)  # SQL shared: activity test
async def test_member_crud(api: Any) -> None:
    pid = (await api.project())["id"]
    ada = await api.member(pid, name="Ada", email="Ada@Shop.example",
                           skills=["Python", "python", "SQL"], weekly_capacity_hours=32)
    assert ada["email"] == "ada@shop.example" and ada["skills"] == ["Python", "SQL"]
    dup = await api.client.post(f"/v1/projects/{pid}/members",
                                json={"name": "Other", "email": "ada@shop.example"})
    assert dup.status_code == 409
    assert dup.json()["error"]["details"][0]["field"] == "body.email"
    # The same person may be on another project.
    await api.member((await api.project(name="Other"))["id"], email="ada@shop.example")
    for body, field in [({"name": "x", "email": "not-an-email"}, "body.email"),
                        ({"name": "x", "weekly_capacity_hours": 200},
                         "body.weekly_capacity_hours"),
                        ({"name": "x", "skills": [""]}, "body.skills.0")]:
        resp = await api.client.post(f"/v1/projects/{pid}/members", json=body)
        assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == field
    url = f"/v1/projects/{pid}/members/{ada['id']}"
    changed = await api.client.patch(url, json={"skills": ["Go"]}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["skills"] == ["Go"]
    assert (await api.client.patch(url, json={"role": "x"},
                                   headers={"If-Match": '"1"'})).status_code == 412
    listed = await api.ok("GET", f"/v1/projects/{pid}/members?q=ad&sort=-weekly_capacity_hours")
    assert [m["id"] for m in listed["items"]] == [ada["id"]]
    assert (await api.client.delete(url)).status_code == 204
    missing = await api.client.get(url)
    assert missing.status_code == 404
    assert missing.json()["error"]["details"][0]["field"] == "path.member_id"
