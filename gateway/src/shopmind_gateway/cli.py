"""`shopmind keys create|list|revoke`: manage API keys in the gateway's store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from shopmind_common.db import Database
from shopmind_common.errors import NotFound
from shopmind_common.settings import get_settings

from shopmind_gateway.config import GatewaySettings
from shopmind_gateway.keys.schemas import ApiKeyOut, parse_scopes
from shopmind_gateway.keys.service import KeyService

app = typer.Typer(
    help="Manage the gateway's API keys (stored as salted hashes).", no_args_is_help=True
)

T = TypeVar("T")


def _run(work: Callable[[KeyService], Awaitable[T]]) -> T:
    settings = get_settings(GatewaySettings)

    async def main() -> T:
        db = Database(settings.sqlalchemy_url("gateway.db"))
        service = KeyService(db)
        try:
            await service.create_schema()
            return await work(service)
        finally:
            await db.dispose()

    return asyncio.run(main())


def _line(key: ApiKeyOut) -> str:
    state = "revoked" if key.revoked_at else "active"
    expires = key.expires_at.isoformat() if key.expires_at else "never"
    return (
        f"{key.id}  {state:<7}  {key.name}  scopes={','.join(key.scopes)}  "
        f"created={key.created_at.isoformat()}  expires={expires}"
    )


@app.command()
def create(
    name: Annotated[str, typer.Option(help="who or what the key is for")],
    scopes: Annotated[str, typer.Option(help="comma-separated, e.g. nlp:read,projects:write")],
    expires_in_days: Annotated[int | None, typer.Option(min=1, max=3650)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Create a key and print it once: only its salted hash is kept."""
    try:
        checked = parse_scopes(scopes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scopes") from exc
    created = _run(lambda s: s.create(name, checked, expires_in_days))
    if as_json:
        typer.echo(created.model_dump_json())
        return
    typer.echo(f"id:     {created.id}\nscopes: {','.join(created.scopes)}\nkey:    {created.key}")
    typer.echo("Store the key now: it cannot be shown again.", err=True)


@app.command("list")
def list_keys(
    include_revoked: Annotated[bool, typer.Option("--all", help="include revoked keys")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List keys (ids, names, scopes; never secrets)."""
    keys = _run(lambda s: s.list(include_revoked=include_revoked))
    if as_json:
        typer.echo(json.dumps([k.model_dump(mode="json") for k in keys]))
        return
    for key in keys:
        typer.echo(_line(key))


@app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="the key's id (from list)")]) -> None:
    """Revoke a key; running gateways refuse it within GATEWAY_KEY_CACHE_TTL_S."""
    try:
        key = _run(lambda s: s.revoke(key_id))
    except NotFound as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"revoked {_line(key)}")
