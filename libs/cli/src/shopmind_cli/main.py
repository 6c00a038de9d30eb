"""The `shopmind` command: run the whole suite in one process, or one target."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from shopmind_common.http import register_local_app
from shopmind_common.logging import configure_logging
from shopmind_gateway.cli import app as keys_app
from shopmind_kg.cli import app as kg_app

log = logging.getLogger("shopmind.cli")

SERVICES = ("projects", "docgen", "kg", "nlp", "decision", "devassist")
TARGETS = ("gateway", *SERVICES)

app = typer.Typer(
    help="ShopMind: AI services for e-commerce search and recommendation.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")
app.add_typer(kg_app, name="kg")


@app.callback()
def _root() -> None:
    """Keep `run` a subcommand even while it is the only one."""


def create_service(name: str) -> FastAPI:
    module = importlib.import_module(f"shopmind_{name}.main")
    created: FastAPI = module.create_app()
    return created


def build_suite() -> tuple[FastAPI, dict[str, FastAPI]]:
    """The gateway with every service in process, sharing one in-process bus."""
    from shopmind_gateway.main import create_app as create_gateway

    services = {name: create_service(name) for name in SERVICES}
    for name, service in services.items():
        register_local_app(name, service)
    return create_gateway(targets=dict(services)), services


def suite_app() -> FastAPI:
    """The gateway whose lifespan also runs every in-process service's lifespan.

    ASGI transports do not run lifespans, so the suite runs each service's
    inside the gateway's: uvicorn's shutdown then drains every consumer before
    the process exits.
    """
    gateway, services = build_suite()
    gateway_lifespan = gateway.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for service in services.values():
                await stack.enter_async_context(service.router.lifespan_context(service))
            await stack.enter_async_context(gateway_lifespan(app))
            log.info("suite started: %s", ", ".join(services))
            yield
        log.info("suite stopped: every service drained")

    gateway.router.lifespan_context = lifespan
    return gateway


@app.command()
def run(
    target: Annotated[str | None, typer.Option(help=f"one of {', '.join(TARGETS)}")] = None,
    host: Annotated[str | None, typer.Option(help="default SHOPMIND_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default SHOPMIND_PORT or 8000")] = None,
) -> None:
    """Run the suite (gateway on :8000, every service in process) or one target."""
    from shopmind_common.settings import ServiceSettings, get_settings

    settings = get_settings(ServiceSettings)
    configure_logging(target or "shopmind", settings.log_level, settings.log_json)
    host = host or settings.host
    port = port or settings.port
    if target is None:
        uvicorn.run(suite_app(), host=host, port=port, log_level=settings.log_level.lower(),
                    access_log=False)
        return
    if target not in TARGETS:
        raise typer.BadParameter(f"unknown target {target!r}; choose from {', '.join(TARGETS)}")
    if target == "gateway":
        from shopmind_gateway.main import create_app as create_gateway

        one = create_gateway()
    else:
        one = create_service(target)
    uvicorn.run(one, host=host, port=port, log_level=settings.log_level.lower(), access_log=False)


if __name__ == "__main__":
    app()
