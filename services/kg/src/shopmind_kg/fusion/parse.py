"""N-Triples and CSV triples into plain statements.

N-Triples: `<s> <p> <o> .` or `<s> <p> "literal"@lang .` (blank nodes `_:b`
allowed; `#` comments). CSV: `subject,predicate,object[,subject_type,object_type,
confidence]`, with or without that header.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from urllib.parse import unquote


class TripleSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Term:
    value: str
    literal: bool = False
    lang: str = ""

    @property
    def local(self) -> str:
        """The readable tail of an IRI: .../brand/Apple_Inc -> "Apple Inc"."""
        if self.literal:
            return self.value
        tail = re.split(r"[/#:]", self.value.rstrip("/#"))[-1] or self.value
        return unquote(tail).replace("_", " ").strip()


@dataclass(frozen=True)
class Statement:
    subject: Term
    predicate: Term
    object: Term
    line: int
    subject_type: str = ""
    object_type: str = ""
    confidence: float | None = None


_IRI = r"<([^>\s]*)>"
_BNODE = r"(_:[A-Za-z0-9_.-]+)"
_LITERAL = r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<[^>]*>)?'
_NT = re.compile(rf"^\s*(?:{_IRI}|{_BNODE})\s+{_IRI}\s+(?:{_IRI}|{_BNODE}|{_LITERAL})\s*\.\s*$")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", '"': '"', "\\": "\\", "'": "'", "b": "\b",
            "f": "\f"}


def _unescape(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] in "uU":
            return chr(int(esc[1:], 16))
        return _ESCAPES.get(esc, esc)

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", repl, text)


def parse_ntriples(text: str) -> list[Statement]:
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _NT.match(line)
        if m is None:
            raise TripleSyntaxError(n, f"not an N-Triples statement: {line[:120]!r}")
        s_iri, s_b, p, o_iri, o_b, o_lit, o_lang = m.groups()
        subject = Term(s_iri if s_iri is not None else s_b)
        if o_lit is not None:
            obj = Term(_unescape(o_lit), literal=True, lang=(o_lang or "").lower())
        else:
            obj = Term(o_iri if o_iri is not None else o_b)
        out.append(Statement(subject, Term(p), obj, n))
    return out


_HEADER = ("subject", "predicate", "object")


def parse_csv(text: str) -> list[Statement]:
    out = []
    reader = csv.reader(io.StringIO(text))
    for n, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if n == 1 and tuple(c.lower() for c in cells[:3]) == _HEADER:
            continue
        if len(cells) < 3 or not all(cells[:3]):
            raise TripleSyntaxError(n, "a row needs subject, predicate and object")
        confidence = None
        if len(cells) > 5 and cells[5]:
            try:
                confidence = float(cells[5])
            except ValueError as exc:
                raise TripleSyntaxError(n, f"confidence {cells[5]!r} is not a number") from exc
            if not 0.0 <= confidence <= 1.0:
                raise TripleSyntaxError(n, "confidence must be between 0 and 1")
        out.append(Statement(Term(cells[0], literal=True), Term(cells[1], literal=True),
                             Term(cells[2], literal=True), n,
                             subject_type=cells[3] if len(cells) > 3 else "",
                             object_type=cells[4] if len(cells) > 4 else "",
                             confidence=confidence))
    return out
