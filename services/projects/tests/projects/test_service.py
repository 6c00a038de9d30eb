"""Projects over the API, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any


async def test_crud_with_etag(api: Any) -> None:
    created = await api.client.post("/v1/projects", json={
        "name": "  Search relaunch ", "start_date": "2031-03-03", "work_days": [5, 1, 2, 3, 4]})
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["name"] == "Search relaunch"
    assert project["work_days"] == [1, 2, 3, 4, 5]
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/v1/projects/{project['id']}"

    got = await api.client.get(f"/v1/projects/{project['id']}")
    assert got.headers["ETag"] == '"1"'
    changed = await api.client.patch(f"/v1/projects/{project['id']}", json={"status": "active"},
                                     headers={"If-Match": got.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "active" and changed.headers["ETag"] == '"2"'

    deleted = await api.client.delete(f"/v1/projects/{project['id']}",
                                      headers={"If-Match": '"2"'})
    assert deleted.status_code == 204
    assert (await api.client.get(f"/v1/projects/{project['id']}")).status_code == 404
    # The activity log outlives the project.
    log = await api.ok("GET", f"/v1/projects/{project['id']}/activity")
    assert [e["action"] for e in log["items"]] == ["deleted", "updated", "created"]


async def test_stale_write_is_412_and_changes_nothing(api: Any) -> None:
    project = await api.project()
    url = f"/v1/projects/{project['id']}"
    first = await api.client.patch(url, json={"name": "A"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    stale = await api.client.patch(url, json={"name": "B"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "precondition_failed"
    assert error["details"][0]["field"] == "header.If-Match"
    assert stale.headers["ETag"] == '"2"'
    assert (await api.ok("GET", url))["name"] == "A"
    assert (await api.client.delete(url, headers={"If-Match": '"1"'})).status_code == 412


async def test_retried_create_makes_one_row(api: Any) -> None:
    headers = {"Idempotency-Key": "create-search-relaunch-1"}
    body = {"name": "Search relaunch"}
    first = await api.client.post("/v1/projects", json=body, headers=headers)
    again = await api.client.post("/v1/projects", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await api.count("pm_project") == 1
    assert await api.count("shopmind_outbox") == 1
    # The same key with another body is a client error, not a silent replay.
    other = await api.client.post("/v1/projects", json={"name": "Other"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["details"][0]["field"] == "header.Idempotency-Key"
    assert await api.count("pm_project") == 1


async def test_concurrent_retries_create_one_row(api: Any) -> None:
    headers = {"Idempotency-Key": "burst-1"}
    answers = await asyncio.gather(*[
        api.client.post("/v1/projects", json={"name": "Burst"}, headers=headers)
        for _ in range(5)])
    codes = sorted(a.status_code for a in answers)
    # Twins that raced the first either replay it or are told to retry (409); none creates.
    assert set(codes) <= {201, 409} and 201 in codes
    ids = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(ids) == 1
    assert await api.count("pm_project") == 1


async def test_status_workflow(api: Any) -> None:
    project = await api.project()
    url = f"/v1/projects/{project['id']}"
    bad = await api.client.patch(url, json={"status": "completed"})
    assert bad.status_code == 409
    error = bad.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["details"][0]["field"] == "body.status"
    assert error["details"][0]["allowed"] == ["active", "archived", "on_hold"]
    for status in ("active", "on_hold", "active", "completed", "archived"):
        await api.ok("PATCH", url, json={"status": status})
    unknown = await api.client.patch(url, json={"status": "finished"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "body.status"


async def test_bad_input_names_the_field(api: Any) -> None:
    cases = [
        ({"name": ""}, "body.name"),
        ({"name": "x", "hours_per_day": 0}, "body.hours_per_day"),
        ({"name": "x", "work_days": [1, 1]}, "body.work_days"),
        ({"name": "x", "work_days": [8]}, "body.work_days.0"),
        ({"name": "x", "start_date": "2031-03-10", "target_date": "2031-03-01"},
         "body.target_date"),
        ({"name": "x", "colour": "red"}, "body.colour"),
    ]
    for body, field in cases:
        resp = await api.client.post("/v1/projects", json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert field in [d["field"] for d in resp.json()["error"]["details"]], resp.text
    project = await api.project()
    resp = await api.client.patch(f"/v1/projects/{project['id']}", json={"name": None})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.name"
    assert await api.count("pm_project") == 1


async def test_list_filters_sorts_and_pages(api: Any) -> None:
    for name, status in [("Alpha", "planned"), ("beta", "active"), ("Gamma", "active"),
                         ("Delta", "planned"), ("alphabet", "active")]:
        await api.project(name=name, status=status)
    page = await api.ok("GET", "/v1/projects?sort=name&limit=2")
    assert [p["name"] for p in page["items"]] == ["Alpha", "alphabet"]  # case-insensitive
    assert page["total"] == 5 and page["next_offset"] == 2
    active = await api.ok("GET", "/v1/projects?status=active&sort=-name")
    assert [p["name"] for p in active["items"]] == ["Gamma", "beta", "alphabet"]
    found = await api.ok("GET", "/v1/projects?q=ALPHA&sort=name")
    assert {p["name"] for p in found["items"]} == {"Alpha", "alphabet"}
    last = await api.ok("GET", "/v1/projects?offset=4&limit=2")
    assert len(last["items"]) == 1 and last["next_offset"] is None and last["total"] == 5
    beyond = await api.ok("GET", "/v1/projects?offset=50")
    assert beyond["items"] == [] and beyond["total"] == 5
    bad = await api.client.get("/v1/projects?sort=owner")
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "query.sort"


async def test_require_if_match_setting(start: Any) -> None:
    async with start(PROJECTS_REQUIRE_IF_MATCH=True) as api:
        project = await api.project()
        missing = await api.client.patch(f"/v1/projects/{project['id']}", json={"name": "B"})
        assert missing.status_code == 428
        assert missing.json()["error"]["details"][0]["field"] == "header.If-Match"
        ok = await api.client.patch(f"/v1/projects/{project['id']}", json={"name": "B"},
                                    headers={"If-Match": "*"})
        assert ok.status_code == 200


async def test_unknown_ids_are_404(api: Any) -> None:
    for method, url in [("GET", "/v1/projects/nope"), ("PATCH", "/v1/projects/nope"),
                        ("DELETE", "/v1/projects/nope"), ("GET", "/v1/projects/nope/tasks"),
                        ("GET", "/v1/projects/nope/members"),
                        ("GET", "/v1/projects/nope/milestones"),
                        ("GET", "/v1/projects/nope/dependencies"),
                        ("GET", "/v1/projects/nope/schedule"), ("GET", "/v1/projects/nope/risks"),
                        ("GET", "/v1/projects/nope/progress"),
                        ("GET", "/v1/projects/nope/activity")]:
        resp = await api.client.request(method, url, json={} if method == "PATCH" else None)
        assert resp.status_code == 404, (method, url, resp.text)
        assert resp.json()["error"]["details"][0]["field"] == "path.project_id"
