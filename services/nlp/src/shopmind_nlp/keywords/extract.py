"""Keywords: TF-IDF and TextRank over jieba tokens (Chinese), noun-chunk ranking (English).

The Chinese scorers are jieba.analyse's, applied to the tokens the pipeline
already has instead of segmenting (and, for TextRank, POS-tagging) again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from shopmind_nlp.text.chinese import Token

_TFIDF_TAGS = frozenset({"n", "nz", "vn", "ns", "nr", "nt", "nrt", "eng", "an", "a", "v", "l", "i"})
_TEXTRANK_TAGS = frozenset({"ns", "n", "vn", "v", "nz", "nr", "nt", "eng"})

_EXTRA_STOP = frozenset({"的", "了", "是", "我", "也", "都", "就", "很", "还", "和", "在", "有",
                         "这", "那", "but", "and", "the", "too", "very", "not", "this", "that",
                         "with", "for"})

_idf: dict[str, float] | None = None
_median_idf = 0.0
_stop: frozenset[str] = frozenset()


def _load_idf() -> None:
    global _idf, _median_idf, _stop
    if _idf is None:
        from shopmind_nlp.text import quiet_import

        quiet_import("jieba.analyse")
        import jieba.analyse

        tfidf = jieba.analyse.default_tfidf
        _median_idf = float(tfidf.median_idf)
        _stop = frozenset(tfidf.stop_words) | _EXTRA_STOP
        _idf = tfidf.idf_freq


def _candidates(tokens: list[Token], tags: frozenset[str]) -> list[str]:
    stop = _stop
    return [w for w, pos, _, _ in tokens
            if pos in tags and len(w) >= 2 and w.lower() not in stop]


def tfidf(tokens: list[Token], k: int) -> list[tuple[str, float]]:
    _load_idf()
    assert _idf is not None
    words = _candidates(tokens, _TFIDF_TAGS)
    if not words:
        return []
    counts = Counter(words)
    total = len(words)
    idf, median = _idf.get, _median_idf
    scored = {w: c / total * idf(w, median) for w, c in counts.items()}
    top = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [(w, round(s, 4)) for w, s in top]


def textrank(tokens: list[Token], k: int, window: int = 5, iterations: int = 20
             ) -> list[tuple[str, float]]:
    """jieba's TextRank: co-occurrence graph in a window, PageRank, scaled to max 1."""
    _load_idf()
    words = [t.word if (t.pos in _TEXTRANK_TAGS and len(t.word) >= 2
                        and t.word.lower() not in _stop) else None for t in tokens]
    edges: dict[tuple[str, str], int] = defaultdict(int)
    for i, w in enumerate(words):
        if w is None:
            continue
        for j in range(i + 1, min(i + window, len(words))):
            v = words[j]
            if v is not None and v != w:
                edges[(w, v)] += 1
    graph: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (a, b), weight in edges.items():
        graph[a].append((b, weight))
        graph[b].append((a, weight))
    if not graph:
        return tfidf(tokens, k)  # too short for a graph
    d = 0.85
    out_sum = {n: sum(w for _, w in nbrs) for n, nbrs in graph.items()}
    rank = dict.fromkeys(graph, 1.0 / len(graph))
    for _ in range(iterations):
        rank = {n: (1 - d) + d * sum(w / out_sum[m] * rank[m] for m, w in nbrs)
                for n, nbrs in graph.items()}
    top_score = max(rank.values())
    top = sorted(rank.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [(w, round(s / top_score, 4)) for w, s in top]


def english(doc: Any, k: int) -> list[tuple[str, float]]:
    """Noun chunks without determiners and pronouns, ranked by frequency and length."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for chunk in doc.noun_chunks:
        words = [t for t in chunk if t.pos_ not in {"DET", "PRON"} and not t.is_stop]
        if not words:
            continue
        term = " ".join(t.text.lower() for t in words)
        if len(term) < 3:
            continue
        counts[term] += 1
        first.setdefault(term, chunk.start)
    if not counts:
        return []
    n_tokens = max(len(doc), 1)
    scored = {t: c * (1 + 0.5 * (len(t.split()) - 1)) * (1 + 0.5 * (1 - first[t] / n_tokens))
              for t, c in counts.items()}
    top_score = max(scored.values())
    top = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [(t, round(s / top_score, 4)) for t, s in top]
