"""Chinese tokens with offsets and part-of-speech tags, in one fast pass.

jieba's own POS tagger runs an HMM over every sentence (about 360 reviews/s
here). We segment once with `jieba.cut` (about 3k/s, its HMM only on runs of
unknown characters) and read each word's tag from the same dictionary the
tagger uses; words the dictionary lacks get a tag from their characters.
Every domain (sentiment, aspects, entities, keywords) reuses these tokens.
"""

from __future__ import annotations

import re
import threading
from typing import Any, NamedTuple

from shopmind_nlp.text import segment

_lock = threading.Lock()
_tags: dict[str, str] | None = None

_DIGITS = re.compile(r"^[0-9０-９.．%％]+$")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9\-_.+]*$")
_PUNCT = re.compile(r"^[\W_]+$")


class Token(NamedTuple):
    word: str
    pos: str
    start: int
    end: int


def load() -> dict[str, Any]:
    """Build jieba's prefix dictionary and the tag table (once per process)."""
    global _tags
    with _lock:
        if _tags is None:
            import logging

            from shopmind_nlp.text import quiet_import

            quiet_import("jieba", "jieba.posseg", "jieba.analyse")
            import jieba
            import jieba.posseg

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _tags = jieba.posseg.dt.word_tag_tab
    import jieba

    return {"name": "jieba", "version": jieba.__version__, "device": "cpu",
            "dictionary_words": len(_tags)}


def add_words(words: list[tuple[str, str]]) -> None:
    """Teach the segmenter user terms (aspects, brands, products) with their tag."""
    load()
    import jieba

    assert _tags is not None
    for word, tag in words:
        if word:
            jieba.add_word(word, freq=None, tag=tag)
            _tags[word] = tag
    segment.forget_runs()
    _guessed.clear()


def tag_of(word: str) -> str | None:
    """The dictionary's POS tag of a word, if it has one."""
    return None if _tags is None else _tags.get(word)


# Tags of words the dictionary lacks, by word (bounded; the same new words recur).
_guessed: dict[str, str] = {}


def forget_guesses() -> None:
    _guessed.clear()


def _guess_tag(word: str) -> str:
    tag = _guessed.get(word)
    if tag is None:
        tag = _guess(word)
        if len(_guessed) >= 20_000:
            _guessed.clear()
        _guessed[word] = tag
    return tag


def _guess(word: str) -> str:
    if _DIGITS.match(word):
        return "m"
    if _LATIN.match(word):
        return "eng"
    if _PUNCT.match(word):
        return "x"
    # jieba's HMM found a new word: mostly names and nouns in reviews.
    return "nz" if len(word) > 1 else "x"


def tokenize(text: str) -> list[Token]:
    """Words with POS tags and character offsets into `text`."""
    if _tags is None:
        load()
    tags = _tags
    assert tags is not None
    out: list[Token] = []
    append = out.append
    new = tuple.__new__  # Token(...) without NamedTuple's Python-level __new__
    get = tags.get
    pos = 0
    for word in segment.cut(text):
        end = pos + len(word)
        if not word.isspace():
            append(new(Token, (word, get(word) or _guess_tag(word), pos, end)))
        pos = end
    return out


def tokenize_precise(text: str) -> list[Token]:
    """jieba's full HMM tagger: slower, better on unknown names (single texts)."""
    load()
    import jieba.posseg

    out: list[Token] = []
    pos = 0
    for pair in jieba.posseg.cut(text):
        end = pos + len(pair.word)
        if not pair.word.isspace():
            out.append(Token(pair.word, pair.flag, pos, end))
        pos = end
    return out


_CLAUSE_BREAKS = frozenset("，,。.！!？?；;～~\n…、") | {
    "但", "但是", "可是", "不过", "然而", "就是"}


def clauses(tokens: list[Token]) -> list[list[Token]]:
    """Split tokens at punctuation and contrast words ("但是")."""
    out: list[list[Token]] = []
    cur: list[Token] = []
    breaks, punct = _CLAUSE_BREAKS, _PUNCT.match
    for tok in tokens:
        word, pos = tok[0], tok[1]
        if word in breaks or (pos == "x" and punct(word)):
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        out.append(cur)
    return out
