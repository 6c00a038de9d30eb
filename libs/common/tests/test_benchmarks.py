from __future__ import annotations

from pathlib import Path

from shopmind_common.benchmarks import write_results


def test_results_are_replaced_between_markers_and_the_rest_kept(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    write_results(readme, "first", title="demo", heading="## Results")
    assert readme.read_text() == (
        "# demo\n\n## Results\n\n<!-- results:begin -->\nfirst\n<!-- results:end -->\n"
    )
    readme.write_text(readme.read_text() + "\nNotes after.\n")
    write_results(readme, "second \\1 run", title="demo", heading="## Results")
    text = readme.read_text()
    assert "first" not in text and "second \\1 run" in text
    assert text.count("## Results") == 1 and text.endswith("Notes after.\n")
