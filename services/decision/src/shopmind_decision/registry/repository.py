"""The model registry on a filesystem path (a Kubernetes volume in production).

    <root>/<name>/versions/<n>/model.ubj            the XGBoost booster
    <root>/<name>/versions/<n>/feature_schema.json  what the model expects
    <root>/<name>/versions/<n>/metadata.json        params, metrics, data window, checksums
    <root>/<name>/aliases.json                      {"champion": n, "challenger": m}

A version directory is written under a temporary name and renamed into place,
and aliases are replaced atomically, so a reader never sees half a model.
Writers on several replicas serialise on an flock of `<root>/<name>/.lock`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MODEL_FILE = "model.ubj"
SCHEMA_FILE = "feature_schema.json"
META_FILE = "metadata.json"
ALIASES_FILE = "aliases.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json_atomic(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class RegistryStore:
    """Model versions and aliases as files under one root."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        self.root.mkdir(parents=True, exist_ok=True)

    def _model_dir(self, name: str) -> Path:
        return self.root / name

    def version_dir(self, name: str, version: int) -> Path:
        return self._model_dir(name) / "versions" / str(version)

    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        model_dir = self._model_dir(name)
        model_dir.mkdir(parents=True, exist_ok=True)
        with (model_dir / ".lock").open("a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def names(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and (p / "versions").is_dir())

    def versions(self, name: str) -> list[int]:
        vdir = self._model_dir(name) / "versions"
        if not vdir.is_dir():
            return []
        return sorted(int(p.name) for p in vdir.iterdir() if p.is_dir() and p.name.isdigit())

    def metadata(self, name: str, version: int) -> dict[str, Any] | None:
        path = self.version_dir(name, version) / META_FILE
        if not path.is_file():
            return None
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    def schema(self, name: str, version: int) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.version_dir(name, version) / SCHEMA_FILE).read_text())
        return data

    def model_path(self, name: str, version: int) -> Path:
        return self.version_dir(name, version) / MODEL_FILE

    def aliases(self, name: str) -> dict[str, int]:
        path = self._model_dir(name) / ALIASES_FILE
        if not path.is_file():
            return {}
        return {k: int(v) for k, v in json.loads(path.read_text()).items()}

    def aliases_mtime(self, name: str) -> float:
        try:
            return (self._model_dir(name) / ALIASES_FILE).stat().st_mtime_ns / 1e9
        except FileNotFoundError:
            return 0.0

    def add_version(self, name: str, *, save_model: Any, schema: dict[str, Any],
                    metadata: dict[str, Any], aliases: list[str] | None = None) -> int:
        """Write a new version (the next number) and point the given aliases at it."""
        with self._locked(name):
            version = max(self.versions(name), default=0) + 1
            vroot = self._model_dir(name) / "versions"
            vroot.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=vroot, prefix=f".staging-{version}-"))
            try:
                save_model(str(staging / MODEL_FILE))
                (staging / SCHEMA_FILE).write_text(json.dumps(schema, indent=2, sort_keys=True))
                meta = {**metadata, "name": name, "version": version,
                        "files": {MODEL_FILE: _sha256(staging / MODEL_FILE),
                                  SCHEMA_FILE: _sha256(staging / SCHEMA_FILE)}}
                (staging / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
                os.rename(staging, vroot / str(version))
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            if aliases:
                current = self.aliases(name)
                current.update({alias: version for alias in aliases})
                _write_json_atomic(self._model_dir(name) / ALIASES_FILE, current)
            return version

    def set_alias(self, name: str, alias: str, version: int) -> dict[str, int]:
        with self._locked(name):
            current = self.aliases(name)
            current[alias] = version
            _write_json_atomic(self._model_dir(name) / ALIASES_FILE, current)
            return current

    def remove_alias(self, name: str, alias: str) -> dict[str, int]:
        with self._locked(name):
            current = self.aliases(name)
            current.pop(alias, None)
            _write_json_atomic(self._model_dir(name) / ALIASES_FILE, current)
            return current

    def verify(self, name: str, version: int) -> bool:
        """Whether the files on disk match the checksums recorded at registration."""
        meta = self.metadata(name, version)
        if meta is None:
            return False
        vdir = self.version_dir(name, version)
        return all(_sha256(vdir / fname) == digest for fname, digest in meta["files"].items())
