"""The critical path method and the working-day calendar, on known graphs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shopmind_projects.scheduling.calendar import WorkCalendar
from shopmind_projects.scheduling.cpm import (
    CycleError,
    Edge,
    Node,
    compute,
    cycle_if_added,
    topological_order,
)

# A textbook network: A(3) -> B(2), A -> C(4); B, C -> D(2); C -> E(3); D, E -> F(1).
GRAPH_NODES = [Node("A", 3), Node("B", 2), Node("C", 4), Node("D", 2), Node("E", 3),
               Node("F", 1)]
GRAPH_EDGES = [Edge("A", "B"), Edge("A", "C"), Edge("B", "D"), Edge("C", "D"), Edge("C", "E"),
               Edge("D", "F"), Edge("E", "F")]


def test_known_graph_times_slack_and_critical_path() -> None:
    s = compute(GRAPH_NODES, GRAPH_EDGES)
    times = {n: (t.early_start, t.early_finish, t.late_start, t.late_finish, t.slack)
             for n, t in s.timings.items()}
    assert times == {
        "A": (0, 3, 0, 3, 0), "B": (3, 5, 6, 8, 3), "C": (3, 7, 3, 7, 0),
        "D": (7, 9, 8, 10, 1), "E": (7, 10, 7, 10, 0), "F": (10, 11, 10, 11, 0),
    }
    assert s.finish == 11
    assert s.critical == {"A", "C", "E", "F"}
    assert s.critical_path == ["A", "C", "E", "F"]


def test_lags_move_successors_and_can_change_the_critical_path() -> None:
    edges = [e if (e.predecessor, e.successor) != ("B", "D") else Edge("B", "D", 4)
             for e in GRAPH_EDGES]
    s = compute(GRAPH_NODES, edges)
    # B finishes at 5, plus 4 days of lag: D cannot start before 9.
    assert s.timings["D"].early_start == 9
    assert s.finish == 12
    assert s.critical_path == ["A", "B", "D", "F"]
    # A negative lag (lead) overlaps the successor with its predecessor.
    lead = compute([Node("X", 5), Node("Y", 2)], [Edge("X", "Y", -2)])
    assert lead.timings["Y"].early_start == 3


def test_constraints_actuals_and_start() -> None:
    nodes = [Node("A", 2, actual_start=-3, actual_finish=-1), Node("B", 3, not_before=4),
             Node("C", 2, actual_start=1, finish_not_before=5), Node("D", 1)]
    edges = [Edge("A", "B"), Edge("C", "D")]
    s = compute(nodes, edges, start=2)
    assert (s.timings["A"].early_start, s.timings["A"].early_finish) == (-3, -1)
    assert s.timings["B"].early_start == 4  # its own "not before" beats the predecessor
    assert s.timings["C"].early_finish == 5  # started, overrunning: finishes no earlier
    assert s.timings["D"].early_start == 5


def test_cycles_are_found_and_named() -> None:
    edges = [Edge("A", "B"), Edge("B", "C")]
    assert cycle_if_added(edges, Edge("C", "A")) == ["C", "A", "B", "C"]
    assert cycle_if_added(edges, Edge("A", "C")) is None
    assert cycle_if_added(edges, Edge("B", "B")) == ["B", "B"]
    with pytest.raises(CycleError) as err:
        topological_order(["A", "B", "C"], [*edges, Edge("C", "A")])
    assert set(err.value.cycle) == {"A", "B", "C"}


def test_calendar_skips_days_off() -> None:
    monday = date(2031, 3, 3)
    cal = WorkCalendar(monday)
    assert [cal.to_date(i) for i in range(6)] == [
        date(2031, 3, 3), date(2031, 3, 4), date(2031, 3, 5), date(2031, 3, 6),
        date(2031, 3, 7), date(2031, 3, 10)]
    assert cal.to_offset(date(2031, 3, 8)) == 5  # Saturday -> next Monday
    assert cal.to_date(-1) == date(2031, 2, 28)
    assert cal.add_working_days(date(2031, 3, 6), 2) == date(2031, 3, 10)
    four_day_week = WorkCalendar(date(2031, 3, 1), [1, 2, 3, 4])  # a Saturday base
    assert four_day_week.base == monday
    assert four_day_week.to_date(4) == date(2031, 3, 10)


@settings(max_examples=60, deadline=None)
@given(st.integers(-400, 400), st.sets(st.integers(1, 7), min_size=1),
       st.integers(0, 30))
def test_calendar_round_trips(offset: int, work_days: set[int], base_shift: int) -> None:
    cal = WorkCalendar(date(2031, 1, 1) + timedelta(days=base_shift), work_days)
    day = cal.to_date(offset)
    assert cal.is_working(day)
    assert cal.to_offset(day) == offset


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_schedule_invariants_on_random_dags(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 12))
    durations = data.draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    nodes = [Node(str(i), d) for i, d in enumerate(durations)]
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                               max_size=20))
    edges = {(a, b): data.draw(st.integers(-2, 3)) for a, b in pairs if a < b}
    edge_list = [Edge(str(a), str(b), lag) for (a, b), lag in edges.items()]
    s = compute(nodes, edge_list)
    for e in edge_list:
        assert s.timings[e.successor].early_start >= s.timings[e.predecessor].early_finish + e.lag
        assert s.timings[e.successor].late_start >= s.timings[e.predecessor].late_finish + e.lag
    for t in s.timings.values():
        assert t.slack >= 0 and t.early_start >= 0
    path = s.critical_path
    assert path and all(p in s.critical for p in path)
    assert s.timings[path[-1]].early_finish == s.finish
