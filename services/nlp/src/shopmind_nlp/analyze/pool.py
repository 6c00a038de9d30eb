"""Analysis worker processes: the lexical pipeline on every CPU the container has.

The pipeline (jieba, snownlp's counts, spaCy, VADER) is pure Python under the
GIL, so threads do not add throughput. Once those models are loaded the
service forks NLP_ANALYZE_WORKERS processes; they share the loaded models
copy-on-write (the objects are moved out of the garbage collector's reach
first, so its bookkeeping does not copy them), and nothing else: the sentence
encoder, classifiers and the generator load after the fork and stay in the
service process. A batch is split into one contiguous chunk per worker and
put back together in order.

The user lexicon changes at run time: each job carries the engine's lexicon
version, and, once it has moved on since the fork, the terms themselves; a
worker behind rebuilds its matchers before it analyses. A worker that dies
(out of memory, killed) breaks the pool: the batch is analysed in the
service process and a fresh pool is forked.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import math
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from shopmind_nlp.engine import Analysis, Engine

log = logging.getLogger("shopmind.nlp.pool")

# The engine the workers run: set in the service process just before it forks,
# so every worker starts with it (and its loaded models) in memory.
_engine: Engine | None = None

_PR_SET_PDEATHSIG = 1

# Below this many texts per worker a batch is not split further (IPC costs more).
MIN_CHUNK = 8


def _worker_init() -> None:
    # Interrupts go to the service, which shuts the pool down in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # If the service dies without shutting the pool down, its workers go with it (Linux).
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _ping() -> int:
    return os.getpid()


def _work(version: int, terms: dict[str, dict[str, list[str]]] | None, texts: list[str],
          languages: list[str | None], options: dict[str, Any]) -> list[Analysis]:
    engine = _engine
    assert engine is not None, "analysis worker started without an engine"
    if terms is not None and engine.lexicon_version != version:
        engine.apply_user_terms(terms, version)
    return engine.analyze(texts, languages, **options)


def chunks(n: int, workers: int, min_chunk: int = MIN_CHUNK) -> list[tuple[int, int]]:
    """Contiguous [start, end) ranges: at most one per worker, none under min_chunk."""
    if n == 0:
        return []
    parts = max(1, min(workers, n // min_chunk))
    size = math.ceil(n / parts)
    return [(i, min(i + size, n)) for i in range(0, n, size)]


class AnalysisPool:
    def __init__(self, engine: Engine, workers: int) -> None:
        self.engine = engine
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._forked_version = 0
        self._lock = threading.Lock()
        self._closed = False
        self.restarts = 0

    @property
    def running(self) -> bool:
        return self._executor is not None

    def pids(self) -> list[int]:
        executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return sorted(processes)

    def start(self) -> dict[str, Any]:
        """Fork the workers now (the engine's models must be loaded) and wait for them."""
        global _engine
        with self._lock:
            if self._closed:
                return {"workers": 0, "status": "closed before start"}
            _engine = self.engine
            # Objects alive now are shared with the workers: keep the collector off them
            # (in the workers and here) so its bookkeeping does not copy their pages.
            gc.collect()
            gc.freeze()
            executor = ProcessPoolExecutor(self.workers,
                                           mp_context=multiprocessing.get_context("fork"),
                                           initializer=_worker_init)
            self._forked_version = self.engine.lexicon_version
            # With fork, the first submit starts every worker at once.
            pings = [executor.submit(_ping) for _ in range(self.workers)]
            for f in pings:
                f.result(timeout=120)
            self._executor = executor
        return {"workers": self.workers, "pids": self.pids(), "start_method": "fork"}

    async def analyze(self, texts: list[str], languages: list[str | None],
                      **options: Any) -> list[Analysis]:
        executor = self._executor
        if executor is None:
            return await asyncio.to_thread(self.engine.analyze, texts, languages, **options)
        version = self.engine.lexicon_version
        terms = None if version == self._forked_version else self.engine.user_terms
        loop = asyncio.get_running_loop()
        try:
            parts = await asyncio.gather(*(
                loop.run_in_executor(executor, _work, version, terms, texts[a:b],
                                     languages[a:b], options)
                for a, b in chunks(len(texts), self.workers)))
        except BrokenProcessPool:
            log.error("an analysis worker died; analysing this batch here and forking anew")
            await asyncio.to_thread(self._restart, executor)
            return await asyncio.to_thread(self.engine.analyze, texts, languages, **options)
        return [a for part in parts for a in part]

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is not broken:
                return  # another batch already restarted it
            self._executor = None
        broken.shutdown(wait=True, cancel_futures=True)
        self.restarts += 1
        self.start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
            # The workers are gone: let the collector see the shared objects again
            # (what it never sees is never freed, and extension modules report leaks).
            gc.unfreeze()
