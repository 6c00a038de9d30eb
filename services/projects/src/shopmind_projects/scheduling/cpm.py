"""The critical path method on a task graph with finish-to-start lags.

Times are working-day offsets; a task occupies [start, finish), so a one-day
task starting at offset 3 finishes at 4 and a zero-day task is a milestone
point. The forward pass gives the earliest start and finish, the backward pass
the latest; slack is their difference and the critical tasks have none.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


@dataclass(frozen=True)
class Node:
    id: str
    duration: int
    # Earliest start allowed by the plan (a "start no earlier than" date), if any.
    not_before: int | None = None
    # Facts that override the plan: a started task's actual start, a finished one's finish.
    actual_start: int | None = None
    actual_finish: int | None = None
    # An unfinished task cannot finish before this (e.g. today, for a late task).
    finish_not_before: int | None = None


@dataclass(frozen=True)
class Edge:
    predecessor: str
    successor: str
    lag: int = 0


@dataclass
class Timing:
    early_start: int
    early_finish: int
    late_start: int = 0
    late_finish: int = 0

    @property
    def slack(self) -> int:
        return self.late_start - self.early_start


@dataclass
class Schedule:
    timings: dict[str, Timing]
    order: list[str]
    finish: int
    critical: set[str] = field(default_factory=set)
    critical_path: list[str] = field(default_factory=list)


def find_path(edges: Iterable[Edge], start: str, goal: str) -> list[str] | None:
    """A path start -> ... -> goal along the edges, or None (breadth first, so shortest)."""
    succ: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        succ[e.predecessor].append(e.successor)
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while (prev := parent[path[-1]]) is not None:
                path.append(prev)
            return path[::-1]
        for nxt in sorted(succ[node]):
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return None


def cycle_if_added(edges: Iterable[Edge], new: Edge) -> list[str] | None:
    """The cycle that `new` would close, as [pred, succ, ..., pred], or None."""
    if new.predecessor == new.successor:
        return [new.predecessor, new.predecessor]
    path = find_path(edges, new.successor, new.predecessor)
    return None if path is None else [new.predecessor, *path]


def topological_order(nodes: Sequence[str], edges: Sequence[Edge]) -> list[str]:
    """Kahn's algorithm, stable in the given node order; CycleError if there is a cycle."""
    indegree = {n: 0 for n in nodes}
    succ: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        succ[e.predecessor].append(e.successor)
        indegree[e.successor] += 1
    position = {n: i for i, n in enumerate(nodes)}
    ready = deque(n for n in nodes if indegree[n] == 0)
    order: list[str] = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for nxt in sorted(succ[node], key=position.__getitem__):
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    if len(order) != len(nodes):
        stuck = [n for n in nodes if indegree[n] > 0]
        for e in edges:
            if e.predecessor in stuck and e.successor in stuck:
                cycle = cycle_if_added([x for x in edges if x != e], e)
                if cycle:
                    raise CycleError(cycle)
        raise CycleError(stuck)
    return order


def compute(nodes: Sequence[Node], edges: Sequence[Edge], *, start: int = 0) -> Schedule:
    """Forward and backward pass; `start` is the earliest any unstarted task may begin."""
    by_id = {n.id: n for n in nodes}
    edges = [e for e in edges if e.predecessor in by_id and e.successor in by_id]
    order = topological_order([n.id for n in nodes], edges)
    preds: dict[str, list[Edge]] = defaultdict(list)
    succs: dict[str, list[Edge]] = defaultdict(list)
    for e in edges:
        preds[e.successor].append(e)
        succs[e.predecessor].append(e)

    timings: dict[str, Timing] = {}
    for nid in order:
        node = by_id[nid]
        if node.actual_start is not None:
            es = node.actual_start
        else:
            es = start
            if node.not_before is not None:
                es = max(es, node.not_before)
            for e in preds[nid]:
                es = max(es, timings[e.predecessor].early_finish + e.lag)
        if node.actual_finish is not None:
            ef = max(node.actual_finish, es)
        else:
            ef = es + node.duration
            if node.finish_not_before is not None:
                ef = max(ef, node.finish_not_before)
        timings[nid] = Timing(early_start=es, early_finish=ef)

    finish = max((t.early_finish for t in timings.values()), default=start)
    for nid in reversed(order):
        t = timings[nid]
        lf = finish
        for e in succs[nid]:
            lf = min(lf, timings[e.successor].late_start - e.lag)
        # A task cannot be planned to finish before it can (fixed or overdue work).
        t.late_finish = max(lf, t.early_finish)
        t.late_start = t.late_finish - (t.early_finish - t.early_start)

    schedule = Schedule(timings=timings, order=order, finish=finish)
    schedule.critical = {nid for nid, t in timings.items() if t.slack == 0}
    schedule.critical_path = _critical_path(order, timings, preds, schedule.critical, finish)
    return schedule


def _critical_path(order: list[str], timings: dict[str, Timing],
                   preds: dict[str, list[Edge]], critical: set[str], finish: int) -> list[str]:
    """One chain of critical tasks from a start to the project finish, each driving the next."""
    position = {n: i for i, n in enumerate(order)}
    ends = [n for n in order if n in critical and timings[n].early_finish == finish]
    if not ends:
        return []
    # Prefer the end reached by the longest driving chain; ties go to the earlier task.
    best: list[str] = []
    for end in ends:
        path = [end]
        while True:
            current = timings[path[-1]]
            driving = [e.predecessor for e in preds[path[-1]]
                       if e.predecessor in critical
                       and timings[e.predecessor].early_finish + e.lag == current.early_start]
            if not driving:
                break
            path.append(min(driving, key=position.__getitem__))
        if len(path) > len(best):
            best = path
    return best[::-1]
