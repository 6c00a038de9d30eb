"""Line diffs between two versions of a document, with the sections they touch."""

from __future__ import annotations

import difflib

from shopmind_docgen.documents.schemas import DiffStats


def _section_of_lines(lines: list[str]) -> list[str]:
    """For each line, the nearest heading above it (the section it belongs to)."""
    current = ""
    out = []
    for line in lines:
        if line.startswith("#"):
            current = line.lstrip("#").strip()
        out.append(current)
    return out


def diff(old: str, new: str, *, old_label: str, new_label: str) -> tuple[str, DiffStats]:
    a, b = old.splitlines(), new.splitlines()
    unified = "\n".join(difflib.unified_diff(a, b, fromfile=old_label, tofile=new_label,
                                             lineterm=""))
    added = removed = 0
    sections: list[str] = []
    sec_a, sec_b = _section_of_lines(a), _section_of_lines(b)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        touched = sec_b[j1:j2] or sec_a[i1:i2] or ([sec_b[j1 - 1]] if 0 < j1 <= len(sec_b)
                                                   else [])
        for name in touched:
            if name and name not in sections:
                sections.append(name)
    return (unified + "\n" if unified else ""), DiffStats(added=added, removed=removed,
                                                          sections_changed=sections)
