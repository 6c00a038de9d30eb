"""jieba's accurate mode (`jieba.cut(text)`, HMM on), word for word, with less work per character.

jieba builds a dict DAG of every dictionary word starting at each character,
then a second pass takes the max of generator-made tuples over it, and runs
its HMM (a pure-Python Viterbi) on every run of single characters the
dictionary left. Here the DAG and the best route are one backward pass over
plain lists, with the same arithmetic in the same order (so the same floats
and the same tie-breaks), and the HMM's answer for a run is remembered: the
same short runs ("很", "了吧") come back in review after review.

The dictionary is jieba's own (`jieba.dt.FREQ`, `jieba.dt.total`), so words
added with `jieba.add_word` count at once; `forget_runs()` drops remembered
HMM answers after such a change.
"""

from __future__ import annotations

from math import log
from typing import Any

_HMM_CACHE_MAX = 50_000
_hmm_runs: dict[str, list[str]] = {}


def forget_runs() -> None:
    _hmm_runs.clear()


def _hmm(run: str) -> list[str]:
    words = _hmm_runs.get(run)
    if words is None:
        from jieba import finalseg

        words = list(finalseg.cut(run))
        if len(_hmm_runs) >= _HMM_CACHE_MAX:
            _hmm_runs.clear()
        _hmm_runs[run] = words
    return words


def _route(block: str, freq: dict[str, int], logtotal: float) -> list[int]:
    """For each start index, the end index (inclusive) of the best word there."""
    n = len(block)
    score = [0.0] * (n + 1)
    end = [0] * n
    get = freq.get
    for idx in range(n - 1, -1, -1):
        f = get(block[idx])
        best = 0.0
        best_x = -1
        j = idx
        while f is not None:  # block[idx:j+1] is a word or a prefix of one
            if f:
                s = log(f) - logtotal + score[j + 1]
                # max() over (score, x) tuples: a tie goes to the longer word.
                if best_x < 0 or s >= best:
                    best, best_x = s, j
            j += 1
            if j >= n:
                break
            f = get(block[idx:j + 1])
        if best_x < 0:  # no word starts here: the character alone, frequency 1
            best, best_x = log(1) - logtotal + score[idx + 1], idx
        score[idx] = best
        end[idx] = best_x
    return end


def _flush_run(buf: str, freq: dict[str, int], out: list[str]) -> None:
    """A run of single characters, as jieba emits it: one character as is, a run that is
    not a dictionary word as the HMM cuts it, a dictionary word character by character."""
    if len(buf) == 1:
        out.append(buf)
    elif not freq.get(buf):
        out.extend(_hmm(buf))
    else:
        out.extend(buf)


def _cut_block(block: str, freq: dict[str, int], logtotal: float, out: list[str]) -> None:
    end = _route(block, freq, logtotal)
    n = len(block)
    x = 0
    buf = ""
    while x < n:
        y = end[x] + 1
        if y - x == 1:
            buf += block[x]
        else:
            if buf:
                _flush_run(buf, freq, out)
                buf = ""
            out.append(block[x:y])
        x = y
    if buf:
        _flush_run(buf, freq, out)


def cut(text: str, dt: Any = None) -> list[str]:
    """`list(jieba.cut(text))` (accurate mode, HMM on)."""
    import jieba

    dt = dt if dt is not None else jieba.dt
    freq = dt.FREQ
    logtotal = log(dt.total)
    re_han, re_skip = jieba.re_han_default, jieba.re_skip_default
    out: list[str] = []
    for blk in re_han.split(text):
        if not blk:
            continue
        if re_han.match(blk):
            _cut_block(blk, freq, logtotal, out)
        else:
            for x in re_skip.split(blk):
                if re_skip.match(x):
                    out.append(x)
                else:
                    out.extend(x)
    return out
