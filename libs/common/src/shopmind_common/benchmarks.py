"""What every `bench/<name>/run.py` shares: writing its latest figures into its README."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS_BEGIN = "<!-- results:begin -->"
RESULTS_END = "<!-- results:end -->"


def write_results(
    readme: Path,
    body: str,
    *,
    title: str,
    heading: str = "",
    begin: str = RESULTS_BEGIN,
    end: str = RESULTS_END,
) -> None:
    """Put `body` between the `begin` and `end` markers of `readme`.

    A README without the markers (or without a file) gets the block appended,
    under `heading` when one is given; the rest of the README is left as it is.
    """
    block = f"{begin}\n{body}\n{end}"
    text = readme.read_text() if readme.exists() else f"# {title}\n"
    if begin in text and end in text:
        text = re.sub(
            re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, count=1, flags=re.S
        )
    else:
        lead = f"{heading}\n\n" if heading else ""
        text = text.rstrip() + "\n\n" + lead + block + "\n"
    readme.write_text(text)
