from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

URL = "/v1/devassist/scaffolds"

SERVICE = {
    "name": "stock_levels",
    "description": "Stock levels per warehouse and product.",
    "domain": "warehouses",
    "fields": [
        {"name": "code", "max_length": 12, "description": "Warehouse code"},
        {"name": "capacity", "type": "int"},
        {"name": "utilisation", "type": "float", "required": False},
        {"name": "active", "type": "bool"},
    ],
}


async def render(client: httpx.AsyncClient, kind: str, params: dict[str, Any]) -> list[Any]:
    resp = await client.post(f"{URL}/{kind}", json=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == kind and body["next_steps"]
    files: list[Any] = body["files"]
    return files


async def test_rendered_scaffolds_pass_ruff_and_their_own_tests(
    client: httpx.AsyncClient, tools: Any, tmp_path: Path
) -> None:
    """A new service, two consumer stages and a recommender, rendered into one tree."""
    files = await render(client, "service", SERVICE)
    files += await render(client, "consumer", {
        "service": "stock_levels", "stage": "review_intake",
        "consumes": "reviews.review.created", "publishes": "enrichment.review.enriched"})
    files += await render(client, "consumer", {
        "service": "stock_levels", "stage": "behaviour", "consumes": "behavior.event",
        "batch": True, "group": "stock.behaviour"})
    files += await render(client, "recommender", {"service": "stock_levels", "module": "recs"})
    written = tools.write(tmp_path, files)
    service_dir = tmp_path / "services" / "stock_levels"
    assert (service_dir / "src/shopmind_stock_levels/warehouses/routes.py") in written
    assert (service_dir / "tests/review_intake/test_events.py") in written

    lint = tools.ruff([tmp_path / "services"], tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    run = tools.run(tools.pytest_cmd(tmp_path, "services/stock_levels"), tmp_path,
                    env={"PYTHONPATH": str(service_dir / "src")})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary
    assert int(summary.split(" passed")[0].split()[-1]) >= 20


async def test_longest_names_stay_within_the_line_length(
    client: httpx.AsyncClient, tools: Any, tmp_path: Path
) -> None:
    files = await render(client, "service", {
        "name": "a" * 20, "domain": "z" * 20, "entity": "Q" * 24,
        "fields": [{"name": "f" * 30, "max_length": 10_000, "description": "d" * 200}]})
    files += await render(client, "consumer", {
        "service": "a" * 20, "stage": "s" * 24, "consumes": "enrichment.review.enriched",
        "publishes": "kg.graph.updated"})
    tools.write(tmp_path, files)
    lint = tools.ruff([tmp_path / "services"], tmp_path)
    assert lint.returncode == 0, lint.stdout


async def test_zip_holds_the_same_files(client: httpx.AsyncClient) -> None:
    files = await render(client, "recommender", {"service": "recs"})
    resp = await client.post(f"{URL}/recommender", params={"format": "zip"},
                             json={"service": "recs"})
    assert resp.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    assert archive.namelist() == [f["path"] for f in files]
    assert archive.read(files[1]["path"]).decode() == files[1]["content"]


async def test_kinds_are_listed_with_their_parameters(client: httpx.AsyncClient) -> None:
    kinds = (await client.get(URL)).json()
    assert [k["kind"] for k in kinds] == ["service", "consumer", "recommender"]
    assert "consumes" in kinds[1]["parameters"]["properties"]


@pytest.mark.parametrize(("kind", "params", "field"), [
    ("service", {"name": "Bad-Name"}, "body.name"),
    ("service", {"name": "class"}, "body.name"),
    ("service", {"name": "gateway"}, "body.name"),
    ("service", {"name": "inv", "fields": [{"name": "id"}]}, "body.fields.0.name"),
    ("service", {"name": "inv", "fields": [{"name": "qty", "type": "int", "max_length": 3}]},
     "body.fields.0"),
    ("consumer", {"service": "inv", "stage": "s1", "consumes": "no.such.event"}, "body.consumes"),
    ("recommender", {"service": "inv", "weights": {"view": -1}}, "body.weights"),
])
async def test_bad_parameters_are_422_naming_the_field(
    client: httpx.AsyncClient, kind: str, params: dict[str, Any], field: str
) -> None:
    resp = await client.post(f"{URL}/{kind}", json=params)
    assert resp.status_code == 422, resp.text
    assert field in [d["field"] for d in resp.json()["error"]["details"]]
