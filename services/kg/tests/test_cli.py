"""The import command works on the graph the settings select, outside the service."""

from __future__ import annotations

from typing import Any

from shopmind_kg.cli import app, import_file
from shopmind_kg.config import KgSettings
from shopmind_kg.store import EmbeddedGraphStore
from typer.testing import CliRunner


async def test_import_file_into_the_embedded_store(tmp_path: Any) -> None:
    data = tmp_path / "tax.csv"
    data.write_text("smartphone,broader,electronics,category,category\n", encoding="utf-8")
    settings = KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), NEO4J_URI=None,
                          KG_EMBEDDINGS_ENABLED=False)
    out = await import_file(data, "csv", "tax", settings)
    assert (out.source, out.relations_written, out.linked) == ("import:tax", 1, 2)
    store = EmbeddedGraphStore(tmp_path / "kg-graph.json")
    await store.start()
    dump = await store.dump()
    await store.close()
    assert [e[:3] for e in dump["edges"]] == [
        ["SUBCATEGORY_OF", "Category:phone", "Category:electronics"]]


def test_command_line_refuses_an_unknown_format(tmp_path: Any) -> None:
    data = tmp_path / "x.nt"
    data.write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(data), "--source", "x", "--format", "xml"])
    assert result.exit_code != 0 and "ntriples or csv" in result.output
