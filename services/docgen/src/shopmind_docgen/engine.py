"""What the docgen process holds: settings, database, prose writer, job runner, refresher."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from shopmind_common.db import Database
from shopmind_common.models import TextGenerator, load_generator, warm_up

from shopmind_docgen.config import DocgenSettings
from shopmind_docgen.db.models import Base
from shopmind_docgen.jobs.hub import ProgressHub
from shopmind_docgen.rendering.prose import ProseWriter

if TYPE_CHECKING:
    from shopmind_docgen.jobs.runner import JobRunner
    from shopmind_docgen.refresh.service import Refresher


class DocgenEngine:
    def __init__(self, settings: DocgenSettings) -> None:
        self.settings = settings
        self.db = Database(settings.sqlalchemy_url("docgen.db"))
        self.hub = ProgressHub()
        self.writer = ProseWriter(None, settings.model_languages(), settings.prose_max_tokens)
        self.runner: JobRunner | None = None
        self.refresher: Refresher | None = None
        # Set once the start-up model load has finished (or failed): jobs wait for it so
        # none is written by the template only because it arrived early.
        self.model_settled = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def create_tables(self) -> None:
        async with self.db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    def expect_model(self) -> None:
        """Call on the loop before `load_generator` runs in its thread."""
        self._loop = asyncio.get_running_loop()
        self.model_settled.clear()

    def load_generator(self) -> dict[str, Any]:
        """Runs in a thread at start-up: load and warm the model, or say why there is none."""
        try:
            generator = load_generator(self.settings)
            if generator is None:
                return {"backend": "none", "prose": "template"}
            warm_up(generator)
            self.use_generator(generator)
            return {**generator.describe(),
                    "prose_languages": sorted(self.writer.model_languages)}
        finally:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self.model_settled.set)
            else:
                self.model_settled.set()

    def use_generator(self, generator: TextGenerator | None,
                      languages: set[str] | None = None) -> None:
        self.writer.generator = generator
        if languages is not None:
            self.writer.model_languages = languages
