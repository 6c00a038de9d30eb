"""A circuit breaker per upstream: closed, open after repeated failures, half-open probe.

    closed ──(N consecutive failures)──> open ──(reset_s elapsed)──> half-open
      ^                                   ^                              │
      └──────────(probe succeeds)─────────┼──────────────────────────────┤
                                          └───────(probe fails)──────────┘

In half-open exactly one request goes through; the others are refused until
that probe has answered.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class BreakerState(enum.IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failures: int,
        reset_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, BreakerState], None] | None = None,
    ) -> None:
        self.name = name
        self.threshold = failures
        self.reset_s = reset_s
        self._clock = clock
        self._on_change = on_change
        self.state = BreakerState.CLOSED
        self.consecutive_failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    def _set(self, state: BreakerState) -> None:
        if state is not self.state:
            self.state = state
            if self._on_change is not None:
                self._on_change(self.name, state)

    def acquire(self) -> tuple[bool, float]:
        """(allowed, seconds until a retry makes sense). Allowed callers must report back."""
        if self.state is BreakerState.CLOSED:
            return True, 0.0
        now = self._clock()
        if self.state is BreakerState.OPEN:
            remaining = self._opened_at + self.reset_s - now
            if remaining > 0:
                return False, remaining
            self._set(BreakerState.HALF_OPEN)
        if self._probe_in_flight:
            return False, min(self.reset_s, 1.0)
        self._probe_in_flight = True
        return True, 0.0

    def success(self) -> None:
        self.consecutive_failures = 0
        self._probe_in_flight = False
        self._set(BreakerState.CLOSED)

    def failure(self) -> None:
        self._probe_in_flight = False
        self.consecutive_failures += 1
        if self.state is BreakerState.HALF_OPEN or self.consecutive_failures >= self.threshold:
            self._opened_at = self._clock()
            self._set(BreakerState.OPEN)

    def release(self) -> None:
        """The request ended without a verdict (the client went away): free the probe slot."""
        self._probe_in_flight = False
