"""Dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from shopmind_common.db import Database
from shopmind_common.errors import Unavailable

from shopmind_nlp.config import NlpSettings
from shopmind_nlp.engine import Engine


def _engine(request: Request) -> Engine:
    engine: Engine | None = getattr(request.app.state, "nlp", None)
    if engine is None:
        raise Unavailable("the nlp models are not loaded")
    return engine


def _settings(request: Request) -> NlpSettings:
    settings: NlpSettings = request.app.state.settings
    return settings


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


EngineDep = Annotated[Engine, Depends(_engine)]
SettingsDep = Annotated[NlpSettings, Depends(_settings)]
DatabaseDep = Annotated[Database, Depends(_database)]
