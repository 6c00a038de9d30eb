from __future__ import annotations

from datetime import UTC, date, datetime

from shopmind_docgen.proofreading.service import proofreader
from shopmind_docgen.rendering.facts import build_facts
from shopmind_docgen.rendering.prose import TemplateProse
from shopmind_docgen.rendering.service import PROSE_SECTIONS, renderer
from shopmind_docgen.sources.schemas import (
    MemberIn,
    MilestoneIn,
    ProjectIn,
    ProjectSnapshot,
    TaskIn,
)

AS_OF = date(2025, 3, 20)
PID, M1, M2, ALICE, BOB = ("p-1", "11111111-1111-4111-8111-111111111111",
                           "22222222-2222-4222-8222-222222222222", "a-1", "b-1")


def _snapshot() -> ProjectSnapshot:
    def task(n: int, title: str, ms: str | None, who: str | None, due: str,
             status: str = "todo") -> TaskIn:
        return TaskIn(id=f"t-{n}", number=n, title=title, milestone_id=ms, assignee_id=who,
                      status=status, start_date=date(2025, 3, 3), due_date=date.fromisoformat(due))

    return ProjectSnapshot(
        project=ProjectIn(id=PID, name="搜索推荐", description="提升转化率。",
                          start_date=date(2025, 3, 3), target_date=date(2025, 6, 30)),
        milestones=[MilestoneIn(id=M1, name="数据管道", due_date=date(2025, 3, 28)),
                    MilestoneIn(id=M2, name="上线", due_date=date(2025, 6, 30))],
        tasks=[task(1, "采集行为数据", M1, ALICE, "2025-03-14", "done"),
               task(2, "训练排序模型", M2, BOB, "2025-05-30")],
        members=[MemberIn(id=ALICE, name="Alice Wang"), MemberIn(id=BOB, name="Bob Li")],
        fetched_at=datetime(2025, 3, 20, 8, tzinfo=UTC))


def _doc(language: str = "zh", doc_type: str = "plan") -> tuple[str, ProjectSnapshot, object]:
    snap = _snapshot()
    facts = build_facts(doc_type, language, snap, as_of=AS_OF)
    prose = {s: TemplateProse().write(s, facts) for s in PROSE_SECTIONS[doc_type]}
    return renderer.render(facts, prose), snap, facts


def _codes(markdown: str, snap: ProjectSnapshot, facts: object) -> dict[str, str]:
    report = proofreader.check(markdown, snap, facts)  # type: ignore[arg-type]
    return {i.code: i.message for i in report.issues}


def test_rendered_documents_pass_in_both_languages() -> None:
    for language in ("en", "zh"):
        for doc_type in PROSE_SECTIONS:
            md, snap, facts = _doc(language, doc_type)
            report = proofreader.check(md, snap, facts)  # type: ignore[arg-type]
            assert report.ok, (language, doc_type, report.issues)
    md, snap, facts = _doc("zh", "plan")
    report = proofreader.check(md, snap, facts)  # type: ignore[arg-type]
    assert report.citations.tasks == [1, 2]
    assert report.citations.milestones == sorted([M1, M2])
    assert "2025-03-28" in report.citations.dates


def test_a_table_row_that_disagrees_with_the_data_is_caught() -> None:
    md, snap, facts = _doc("zh")
    row = "| #2 训练排序模型 | Bob Li | 2025-03-03 | 2025-05-30 | 待开始 |"
    assert row in md
    for wrong, code in (
        (row.replace("Bob Li", "Alice Wang"), "member_mismatch"),
        (row.replace("训练排序模型", "训练召回模型"), "task_mismatch"),
        (row.replace("| 2025-05-30 |", "| 2025-03-14 |"), "date_mismatch"),
        (row.replace("待开始", "已完成"), "status_mismatch"),
        (row.replace("#2 ", "#9 "), "task_unknown"),
    ):
        assert code in _codes(md.replace(row, wrong), snap, facts), code
    # A task listed under the wrong milestone heading.
    moved = md.replace("### 里程碑：上线", "### 里程碑：数据管道")
    assert "milestone_mismatch" in _codes(moved, snap, facts)
    assert "milestone_unknown" in _codes(md.replace("### 里程碑：上线", "### 里程碑：售后"),
                                         snap, facts)


def test_prose_references_are_checked() -> None:
    md, snap, facts = _doc("en")
    for sentence, code in (
        ("See task #12 for details.", "task_unknown"),
        ("Owned by @Carol.", "member_unknown"),
        ("Ask @Alice about it.", None),
        ("Due on 2025-04-31.", "date_invalid"),
        ("Launch on 2025-04-01.", "date_unknown"),
        ("Launch on 2025年6月30日.", None),
        ("Launch on 2025年7月1日.", "date_unknown"),
        ("After milestone “Beta” we ship.", "milestone_unknown"),
        ("After milestone “上线” we ship.", None),
        ("Tracked as 33333333-3333-4333-8333-333333333333.", "id_unknown"),
        (f"Tracked as {M2}.", None),
    ):
        codes = _codes(md.replace("## Goals\n", f"## Goals\n\n{sentence}\n", 1), snap, facts)
        if code is None:
            assert not codes, (sentence, codes)
        else:
            assert code in codes, (sentence, codes)


def test_the_requesters_quoted_words_are_not_checked() -> None:
    snap = _snapshot()
    facts = build_facts("plan", "en", snap, as_of=AS_OF,
                        requirement="Ship by 2031-01-01, like task #77 of the old project.")
    prose = {s: "" for s in PROSE_SECTIONS["plan"]}
    md = renderer.render(facts, prose)
    assert "> Ship by 2031-01-01, like task #77 of the old project." in md
    assert proofreader.check(md, snap, facts).ok
