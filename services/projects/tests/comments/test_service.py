"""Comments on tasks."""

from __future__ import annotations

from typing import Any

import pytest
from shopmind_common.identity import Caller, sign_caller


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)  # SQL shared: activity test
async def test_comment_crud(api: Any) -> None:
    pid = (await api.project())["id"]
    task = await api.task(pid)
    base = f"/v1/projects/{pid}/tasks/{task['id']}/comments"
    headers = sign_caller(Caller(subject="bo"), api.app.state.settings.internal_secret)
    first = await api.ok("POST", base, 201, json={"body": "first"}, headers=headers)
    assert first["author"] == "bo"
    await api.ok("POST", base, 201, json={"body": "second"})
    listed = await api.ok("GET", base)
    assert [c["body"] for c in listed["items"]] == ["first", "second"]
    url = f"{base}/{first['id']}"
    assert (await api.client.patch(url, json={"body": "edited"},
                                   headers={"If-Match": '"1"'})).status_code == 200
    assert (await api.client.patch(url, json={"body": "again"},
                                   headers={"If-Match": '"1"'})).status_code == 412
    empty = await api.client.post(base, json={"body": "  "})
    assert empty.status_code == 422
    assert empty.json()["error"]["details"][0]["field"] == "body.body"
    assert (await api.client.get(f"/v1/projects/{pid}/tasks/nope/comments")).status_code == 404
    assert (await api.client.delete(url)).status_code == 204
    assert (await api.client.get(url)).json()["error"]["details"][0]["field"] == (
        "path.comment_id")
