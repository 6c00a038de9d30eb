from __future__ import annotations

from typing import Any

import pytest


async def _versions_and_diffs(stack: Any, seed: Any) -> None:
    s = await seed(stack.projects)
    body = {"type": "plan", "project_id": s.project_id,
            "requirement": "Lift conversion <script>alert(1)</script> with recommendations."}
    first = await stack.job(body)
    assert first["status"] == "succeeded" and first["version"] == 1
    doc_id = first["document_id"]

    # Nothing changed: the same text is not a new version.
    same = await stack.job(body)
    assert same["status"] == "succeeded" and same["version"] == 1 and same["unchanged"] is True

    # The project changes: a renamed task and a new owner give version 2.
    resp = await stack.projects.patch(f"/v1/projects/{s.project_id}/tasks/{s.tasks[4]}",
                                      json={"title": "Offline evaluation (NDCG@10)",
                                            "assignee_id": s.members["Chen Jing"]})
    assert resp.status_code == 200, resp.text
    second = await stack.job(body)
    assert second["status"] == "succeeded" and second["version"] == 2
    assert second["document_id"] == doc_id and second["unchanged"] is False

    versions = (await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/versions")).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["job_id"] for v in versions] == [first["id"], second["id"]]
    doc = (await stack.docgen.get(f"/v1/docgen/documents/{doc_id}")).json()
    assert doc["latest_version"] == 2 and doc["type"] == "plan"

    diff = (await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/diff",
                                   params={"from": 1, "to": 2})).json()
    assert diff["from_version"] == 1 and diff["to_version"] == 2
    assert "-| #4 Offline evaluation | Bob Li |" in diff["unified"]
    assert "+| #4 Offline evaluation (NDCG@10) | Chen Jing |" in diff["unified"]
    assert "Milestone: Ranking model" in diff["stats"]["sections_changed"]
    assert diff["stats"]["added"] >= 1 and diff["stats"]["removed"] >= 1
    assert (await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/diff",
                                   params={"from": 2, "to": 2})).json()["unified"] == ""

    v1 = await stack.version(doc_id, 1)
    assert "| #4 Offline evaluation | Bob Li |" in v1["markdown"]  # old versions never change

    md = await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/versions/2/export")
    assert md.headers["content-type"].startswith("text/markdown")
    assert 'filename="plan-en-v2.md"' in md.headers["content-disposition"]
    assert md.text == (await stack.version(doc_id, "latest"))["markdown"]
    html = await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/versions/latest/export",
                                  params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "<td>#4 Offline evaluation (NDCG@10)</td>" in html.text
    assert "<script>" not in html.text and "&lt;script&gt;" in html.text

    # Bad references are 4xx naming the parameter.
    bad = await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/versions/9")
    assert bad.status_code == 404 and bad.json()["error"]["details"][0]["field"] == "path.version"
    bad = await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/diff", params={"from": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "query.from"
    bad = await stack.docgen.get(f"/v1/docgen/documents/{doc_id}/versions/1/export",
                                 params={"format": "pdf"})
    assert bad.status_code == 422
    assert (await stack.docgen.get("/v1/docgen/documents/nope")).status_code == 404


async def test_versions_diffs_and_exports(stack: Any, seed: Any) -> None:
    await _versions_and_diffs(stack, seed)


@pytest.mark.postgres
async def test_versions_diffs_and_exports_on_postgresql(make_stack: Any, seed: Any,
                                                        postgres_url: str) -> None:
    async with make_stack(database_url=postgres_url) as stack:
        assert stack.engine.db.backend == "postgresql"
        await _versions_and_diffs(stack, seed)
