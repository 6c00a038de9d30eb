"""The process-wide model registry: each model is loaded once per process.

In the all-in-one process several services ask for the same generator; the
first caller loads it, the others wait on a per-key lock and get the same
object. `describe()` is what `/info` reports.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class _Entry:
    value: Any
    description: dict[str, Any] = field(default_factory=dict)


class ModelRegistry:
    """Loads each model key once; thread-safe, per-key locking."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get_or_load(
        self, key: str, load: Callable[[], T], describe: Callable[[T], dict[str, Any]] | None = None
    ) -> T:
        """The model under `key`, loading it with `load()` the first time."""
        entry = self._entries.get(key)
        if entry is not None:
            return entry.value  # type: ignore[no-any-return]
        with self._lock_for(key):
            entry = self._entries.get(key)
            if entry is None:
                start = time.perf_counter()
                value = load()
                description = dict(describe(value)) if describe is not None else {}
                description.setdefault("load_seconds", round(time.perf_counter() - start, 2))
                entry = _Entry(value, description)
                self._entries[key] = entry
        return entry.value  # type: ignore[no-any-return]

    def get(self, key: str) -> Any | None:
        entry = self._entries.get(key)
        return None if entry is None else entry.value

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def describe(self) -> dict[str, dict[str, Any]]:
        return {key: dict(entry.description) for key, entry in self._entries.items()}

    def evict(self, key: str) -> None:
        """Forget a model (tests, or a reload after its checkpoint changed)."""
        with self._lock_for(key):
            self._entries.pop(key, None)


_registry = ModelRegistry()


def get_registry() -> ModelRegistry:
    """The one registry of this process."""
    return _registry
