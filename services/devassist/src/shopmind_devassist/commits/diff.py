"""A unified diff parser (git's extended headers included) that says why it refuses.

It reads what `git diff`, `git show` and `git format-patch` print: the
`diff --git` header and its extended lines (new/deleted file, modes, renames,
copies, binary patches), plain `---`/`+++` pairs, and hunks whose line counts
are checked against their `@@ -a,b +c,d @@` header. Text before the first file
(a patch email's headers) is skipped; a hunk that ends early, a malformed hunk
header or a diff with no file at all is an error naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_GIT_HEADER = re.compile(r'^diff --git (?P<a>"(?:[^"\\]|\\.)*"|\S+) (?P<b>"(?:[^"\\]|\\.)*"|\S+)$')
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")


class DiffParseError(ValueError):
    """The text is not a unified diff; `line` is 1-based (0: the whole text)."""

    def __init__(self, reason: str, line: int = 0) -> None:
        super().__init__(f"{reason} (line {line})" if line else reason)
        self.reason = reason
        self.line = line


@dataclass
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    section: str
    lines: list[str] = field(default_factory=list)

    @property
    def added(self) -> list[str]:
        return [ln[1:] for ln in self.lines if ln.startswith("+")]

    @property
    def removed(self) -> list[str]:
        return [ln[1:] for ln in self.lines if ln.startswith("-")]

    @property
    def context(self) -> list[str]:
        return [ln[1:] for ln in self.lines if ln.startswith(" ")]


@dataclass
class FileDiff:
    old_path: str | None
    new_path: str | None
    status: str = "modified"  # added | deleted | modified | renamed | copied
    binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    similarity: int | None = None
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def added(self) -> int:
        return sum(len(h.added) for h in self.hunks)

    @property
    def removed(self) -> int:
        return sum(len(h.removed) for h in self.hunks)

    def added_lines(self) -> list[str]:
        return [ln for h in self.hunks for ln in h.added]

    def removed_lines(self) -> list[str]:
        return [ln for h in self.hunks for ln in h.removed]


def _unquote(path: str) -> str:
    if len(path) >= 2 and path[0] == '"' and path[-1] == '"':
        return bytes(path[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode(
            "utf-8", errors="replace")
    return path


def _strip_prefix(path: str) -> str | None:
    path = _unquote(path.split("\t", 1)[0].rstrip())
    if path == "/dev/null":
        return None
    if len(path) > 2 and path[1] == "/" and path[0] in "abciow":
        return path[2:]
    return path


def parse_unified_diff(text: str) -> list[FileDiff]:
    """Every file of the diff in order; DiffParseError when the text is not one."""
    if not text.strip():
        raise DiffParseError("the diff is empty")
    lines = text.splitlines()
    files: list[FileDiff] = []
    current: FileDiff | None = None
    in_git_header = False
    i = 0
    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        git = _GIT_HEADER.match(line)
        if git:
            current = FileDiff(old_path=_strip_prefix(git["a"]), new_path=_strip_prefix(git["b"]))
            files.append(current)
            in_git_header = True
            i += 1
            continue
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = _strip_prefix(line[4:]), _strip_prefix(lines[i + 1][4:])
            if current is None or not in_git_header:
                current = FileDiff(old_path=old, new_path=new)
                files.append(current)
            else:
                current.old_path, current.new_path = old, new
            if old is None:
                current.status = "added"
            elif new is None:
                current.status = "deleted"
            in_git_header = False
            i += 2
            continue
        if line.startswith("--- ") and in_git_header:
            raise DiffParseError("'---' file line without the '+++' line after it", lineno)
        if line.startswith("@@"):
            if current is None:
                raise DiffParseError("hunk before any file header", lineno)
            i = _read_hunk(lines, i, current)
            in_git_header = False
            continue
        if current is not None and in_git_header:
            _git_extended(line, current)
        i += 1
    if not files:
        raise DiffParseError("no file header found: expected 'diff --git' or '---'/'+++' lines")
    for f in files:
        if not f.hunks and not f.binary and f.status == "modified" and f.old_mode is None \
                and f.old_path == f.new_path:
            raise DiffParseError(f"file {f.path!r} has a header but no hunks")
    return files


def _git_extended(line: str, current: FileDiff) -> None:
    if line.startswith("new file mode "):
        current.status, current.new_mode, current.old_path = "added", line[14:], None
    elif line.startswith("deleted file mode "):
        current.status, current.old_mode, current.new_path = "deleted", line[18:], None
    elif line.startswith("old mode "):
        current.old_mode = line[9:]
    elif line.startswith("new mode "):
        current.new_mode = line[9:]
    elif line.startswith("rename from "):
        current.status, current.old_path = "renamed", _unquote(line[12:])
    elif line.startswith("rename to "):
        current.status, current.new_path = "renamed", _unquote(line[10:])
    elif line.startswith("copy from "):
        current.status, current.old_path = "copied", _unquote(line[10:])
    elif line.startswith("copy to "):
        current.status, current.new_path = "copied", _unquote(line[8:])
    elif line.startswith(("similarity index ", "dissimilarity index ")):
        digits = re.sub(r"\D", "", line)
        current.similarity = int(digits) if digits else None
    elif line.startswith("Binary files ") or line == "GIT binary patch":
        current.binary = True


def _read_hunk(lines: list[str], i: int, current: FileDiff) -> int:
    header = _HUNK.match(lines[i])
    if header is None:
        raise DiffParseError(f"malformed hunk header {lines[i][:80]!r}", i + 1)
    old_count = int(header[2]) if header[2] is not None else 1
    new_count = int(header[4]) if header[4] is not None else 1
    hunk = Hunk(int(header[1]), old_count, int(header[3]), new_count, header[5].strip())
    old_left, new_left = old_count, new_count
    start = i + 1
    i += 1
    while (old_left > 0 or new_left > 0) and i < len(lines):
        line = lines[i]
        tag = line[:1]
        if tag == "\\":  # "\ No newline at end of file"
            i += 1
            continue
        if tag == " " or line == "":  # some tools strip the space of empty context lines
            old_left -= 1
            new_left -= 1
            hunk.lines.append(" " + line[1:])
        elif tag == "-":
            old_left -= 1
            hunk.lines.append(line)
        elif tag == "+":
            new_left -= 1
            hunk.lines.append(line)
        else:
            break
        i += 1
    if old_left != 0 or new_left != 0:
        raise DiffParseError(
            f"hunk starting at line {start - 1} does not match its header: "
            f"{max(old_left, 0)} old and {max(new_left, 0)} new lines missing", i + 1)
    while i < len(lines) and lines[i].startswith("\\"):
        i += 1
    current.hunks.append(hunk)
    return i
