"""Command line for the graph: import knowledge files without going through HTTP.

    shopmind-kg import brands.nt --source brand-registry
    shopmind-kg import taxonomy.csv --format csv --source taxonomy-2024
    shopmind-kg retract brand-registry

It writes to the graph the settings select (NEO4J_URI, else the embedded store
in SHOPMIND_DATA_DIR) with the same resolution rules as the service.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from shopmind_common.settings import get_settings

from shopmind_kg.config import KgSettings
from shopmind_kg.context import KgContext
from shopmind_kg.fusion.schemas import ImportOut, RetractOut
from shopmind_kg.fusion.service import Format
from shopmind_kg.store import store_from_settings

app = typer.Typer(help="ShopMind knowledge graph tools.", no_args_is_help=True)


async def import_file(path: Path, fmt: Format, source: str, settings: KgSettings,
                      confidence: float = 1.0) -> ImportOut:
    """Import a file of triples into the graph the settings select."""
    store = store_from_settings(settings)
    await store.start()
    try:
        ctx = KgContext.build(settings, store, bus=None)
        await ctx.entities.refresh()
        if settings.embeddings_enabled:
            from shopmind_kg.resolution.encoder import shared_encoder

            ctx.resolver.set_encoder(shared_encoder())
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        return await ctx.fusion.import_text(text, fmt, source, confidence)
    finally:
        await store.close()


async def retract_source(source: str, settings: KgSettings) -> RetractOut:
    store = store_from_settings(settings)
    await store.start()
    try:
        return await KgContext.build(settings, store, bus=None).fusion.retract(source)
    finally:
        await store.close()


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="provenance name kept on every relation")],
    fmt: Annotated[str, typer.Option("--format", help="ntriples or csv")] = "ntriples",
    confidence: Annotated[float, typer.Option(min=0.0, max=1.0)] = 1.0,
) -> None:
    """Import N-Triples or CSV triples."""
    if fmt not in ("ntriples", "csv"):
        raise typer.BadParameter("--format must be ntriples or csv")
    out = asyncio.run(import_file(path, fmt, source, get_settings(KgSettings),
                                  confidence))
    typer.echo(json.dumps(out.model_dump(), ensure_ascii=False))


@app.command("retract")
def retract_command(source: str) -> None:
    """Remove everything an import source contributed."""
    out = asyncio.run(retract_source(source, get_settings(KgSettings)))
    typer.echo(json.dumps(out.model_dump(), ensure_ascii=False))


if __name__ == "__main__":
    app()
