from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.files import GeneratedFile
from shopmind_devassist.main import create_app

REPO = Path(__file__).resolve().parents[3]


class Tools:
    """Writes generated files and runs ruff and pytest on them with this venv's python."""

    pyproject = REPO / "pyproject.toml"
    repo = REPO

    @staticmethod
    def write(root: Path, files: Sequence[GeneratedFile | dict[str, str]]) -> list[Path]:
        out = []
        for f in files:
            path, content = (f.path, f.content) if isinstance(f, GeneratedFile) else (
                f["path"], f["content"])
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
            out.append(target)
        return out

    @staticmethod
    def run(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None,
            timeout_s: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=cwd, env={**os.environ, **(env or {})},
            capture_output=True, text=True, timeout=timeout_s, check=False,
        )

    def ruff(self, paths: Sequence[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
        return self.run(["-m", "ruff", "check", "--no-cache", "--config", str(self.pyproject),
                         *map(str, paths)], cwd)

    def pytest_cmd(self, root: Path, *targets: str) -> list[str]:
        """pytest under the repository's own configuration (markers, warnings as errors)."""
        return ["-m", "pytest", "-c", str(self.pyproject), "--rootdir", str(root), "-p",
                "no:cacheprovider", "-q", "--timeout", "120", *targets]


@pytest.fixture(scope="session")
def tools() -> Tools:
    return Tools()


@pytest.fixture
def settings(tmp_path: Path) -> DevassistSettings:
    return DevassistSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None,
                             NEO4J_URI=None, DATABASE_URL=None)


@pytest.fixture
async def client(settings: DevassistSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c
