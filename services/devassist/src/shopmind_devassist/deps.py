"""Dependencies of the devassist routes, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.generation import TextModel


def _settings(request: Request) -> DevassistSettings:
    settings: DevassistSettings = request.app.state.settings
    return settings


def _own_spec(request: Request) -> Callable[[], dict[str, Any]]:
    """This service's own OpenAPI document (used when it is not reachable by name)."""
    app = request.app
    return lambda: app.openapi()


def _text_model(request: Request) -> TextModel | None:
    return getattr(request.app.state, "text_model", None)


SettingsDep = Annotated[DevassistSettings, Depends(_settings)]
OwnSpecDep = Annotated[Callable[[], dict[str, Any]], Depends(_own_spec)]
TextModelDep = Annotated[TextModel | None, Depends(_text_model)]
