from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from shopmind_docgen.proofreading.service import proofreader
from shopmind_docgen.rendering.facts import build_facts
from shopmind_docgen.rendering.prose import ProseWriter, clean_model_text
from shopmind_docgen.rendering.service import renderer
from shopmind_docgen.sources.schemas import MilestoneIn, ProjectIn, ProjectSnapshot, TaskIn


def test_clean_model_text_keeps_prose_only() -> None:
    raw = ("## Summary\nProject: Shop\n| a | b |\nThe pipeline is ready. Ranking starts "
           "next week. The serving API is")
    assert clean_model_text(raw) == "The pipeline is ready. Ranking starts next week."
    assert clean_model_text("Tasks: 7 in total, 2 done, 1 in") == ""
    assert clean_model_text("- Faster search.\n- Better ranking.") == (
        "Faster search.\nBetter ranking.")


@pytest.mark.slow
def test_the_packaged_model_writes_a_status_summary_that_is_proofread() -> None:
    """The real SmolLM2 through the shared model layer: bounded to 48 new tokens."""
    from shopmind_common.models import ModelSettings, load_generator

    start = time.perf_counter()
    generator = load_generator(ModelSettings(LLM_BACKEND="builtin", MODEL_DEVICE="cpu",
                                             MODEL_TORCH_THREADS=2))
    assert generator is not None
    load_s = time.perf_counter() - start
    snap = ProjectSnapshot(
        project=ProjectIn(id="p", name="Shop search", description="Recommendations from "
                          "user behaviour to lift conversion."),
        milestones=[MilestoneIn(id="m", name="Data pipeline", due_date=date(2025, 3, 28))],
        tasks=[TaskIn(id="t", number=1, title="Collect events", status="done",
                      milestone_id="m")],
        members=[], fetched_at=datetime(2025, 3, 20, tzinfo=UTC))
    facts = build_facts("status", "en", snap, as_of=date(2025, 3, 20))
    pieces: list[str] = []
    writer = ProseWriter(generator, {"en"}, max_new_tokens=48)
    result = writer.write("summary", facts, on_piece=lambda _s, p: pieces.append(p))
    print(f"load {load_s:.1f}s, section {result.seconds:.1f}s, first piece "
          f"{result.first_piece_s}s, source {result.source}: {result.text!r}")
    assert pieces  # streamed
    if result.source == "model":
        assert result.text and result.first_piece_s is not None
    else:  # the model's text was unusable: the template stood in, and says why
        assert result.error
    report = proofreader.check(renderer.render(facts, {"summary": result.text}), snap, facts)
    # Whatever the model wrote is judged; a rejection always names what it cited.
    assert report.ok or all(i.message for i in report.issues)
    print(report.issues)
