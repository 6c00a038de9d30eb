from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from shopmind_projects.config import ProjectsSettings
from shopmind_projects.main import create_app


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ProjectsSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None,
                          NEO4J_URI=None, DATABASE_URL=None))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c
