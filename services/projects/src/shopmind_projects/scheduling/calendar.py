"""Working-day arithmetic: offsets from a project's start, skipping days off.

Offset 0 is the first working day on or after the base date; offset k is the
k-th working day after it (negative k before it). A date that is not a working
day maps to the offset of the next working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


class WorkCalendar:
    def __init__(self, base: date, work_days: Iterable[int] = (1, 2, 3, 4, 5)) -> None:
        self.work_days = frozenset(work_days)
        if not self.work_days or not self.work_days <= set(range(1, 8)):
            raise ValueError("work_days must be ISO weekdays 1..7, at least one")
        self.per_week = len(self.work_days)
        self.base = self._next_working(base)

    def is_working(self, day: date) -> bool:
        return day.isoweekday() in self.work_days

    def _next_working(self, day: date) -> date:
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def _working_between(self, start: date, end: date) -> int:
        """Working days in [start, end), for start <= end."""
        weeks, rest = divmod((end - start).days, 7)
        count = weeks * self.per_week
        day = start + timedelta(days=weeks * 7)
        for _ in range(rest):
            if self.is_working(day):
                count += 1
            day += timedelta(days=1)
        return count

    def to_offset(self, day: date) -> int:
        if day >= self.base:
            return self._working_between(self.base, day)
        return -self._working_between(day, self.base)

    def to_date(self, offset: int) -> date:
        weeks, rest = divmod(offset, self.per_week)  # rest in [0, per_week)
        day = self.base + timedelta(days=7 * weeks)  # same weekday: still a working day
        while rest:
            day += timedelta(days=1)
            if self.is_working(day):
                rest -= 1
        return day

    def add_working_days(self, day: date, count: int) -> date:
        return self.to_date(self.to_offset(day) + count)
