"""Resolving a name to the key of the node it means.

In order: the alias table (user aliases, merges, earlier embedding matches,
imports), the seed lexicon, an existing node with the same normalised key,
then the nearest existing name by embedding if its cosine similarity reaches
the threshold. Otherwise the normalised key is a new node. The resolver keeps
the aliases and node names of the graph in memory; the service refreshes them
from the store at start-up, after alias and merge calls, and periodically.

Short Chinese names (at most `short_cjk_chars` CJK characters, 屏幕, 西瓜) are
where sentence embeddings mislead most (西瓜/南瓜 0.94, 漓江/镇江 0.91, and two
out-of-vocabulary names can score 1.0): they merge by exact key, alias or
lexicon only, or, with `short_cjk_threshold`, at that stricter similarity
whenever either side of a pair is short.

`resolve_many` is the batch path: one encoder call for a call's new names,
decided in order against the index and the names made new earlier in the same
call, and indexed with the vectors already computed.
"""

from __future__ import annotations

import re
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np

from shopmind_kg.resolution.encoder import Encoder
from shopmind_kg.store.model import AliasFact
from shopmind_kg.text.lexicon import SEED
from shopmind_kg.text.normalize import normalize_key

EMBED_LABELS = ("Brand", "Category", "Aspect", "Entity")
_LATIN_SHORT = re.compile(r"^[a-z0-9 ]{1,2}$")
_NUMERIC = re.compile(r"^[\d .]+$")
_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_DIM = 512
_KEY_CACHE_MAX = 200_000


@dataclass(frozen=True)
class Resolved:
    key: str
    name: str
    how: str                          # alias | lexicon | exact | embedding | new
    score: float | None = None
    alias: AliasFact | None = None    # a new alias this resolution decided (embedding)


class _Index:
    """Vectors of the names known for one label, with the key each name resolves to.

    Rows live in a buffer that grows by doubling, so indexing a batch's new names
    copies their rows, not the whole matrix. `short` marks the rows of short
    Chinese names (indexed only when they have a threshold of their own).
    """

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.names: list[str] = []
        self._rows = np.zeros((0, _DIM), dtype=np.float32)
        self._short = np.zeros(0, dtype=bool)
        self.pending: list[tuple[str, str, bool]] = []
        self._seen: set[tuple[str, str]] = set()

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def matrix(self) -> np.ndarray:
        return self._rows[: len(self.keys)]

    @property
    def short(self) -> np.ndarray:
        return self._short[: len(self.keys)]

    def add(self, key: str, name: str, short: bool = False) -> None:
        if (key, name) not in self._seen:
            self._seen.add((key, name))
            self.pending.append((key, name, short))

    def add_encoded(self, keys: list[str], names: list[str], short: list[bool],
                    vectors: np.ndarray) -> None:
        """Names whose vectors the caller already has: indexed without encoding them again."""
        if not keys:
            return
        done = set(zip(keys, names, strict=True))
        self._seen |= done
        if self.pending:
            self.pending = [p for p in self.pending if (p[0], p[1]) not in done]
        self._append(keys, names, short, np.asarray(vectors, dtype=np.float32))

    def flush(self, encoder: Encoder) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        vectors = encoder.encode([name for _, name, _ in pending])
        self._append([k for k, _, _ in pending], [n for _, n, _ in pending],
                     [s for _, _, s in pending], vectors)

    def _append(self, keys: list[str], names: list[str], short: list[bool],
                vectors: np.ndarray) -> None:
        n, m = len(self.keys), len(keys)
        if n + m > len(self._rows):
            capacity = max(1024, 2 * (n + m))
            rows = np.zeros((capacity, _DIM), dtype=np.float32)
            rows[:n] = self._rows[:n]
            flags = np.zeros(capacity, dtype=bool)
            flags[:n] = self._short[:n]
            self._rows, self._short = rows, flags
        self._rows[n:n + m] = vectors
        self._short[n:n + m] = short
        self.keys.extend(keys)
        self.names.extend(names)


_blas: Any = None
_blas_lock = threading.Lock()


def _one_blas_thread() -> AbstractContextManager[Any]:
    """Similarity products on one BLAS thread: they are small, and on a couple of shared
    cores OpenBLAS's spinning worker threads about double the CPU they cost."""
    global _blas
    with _blas_lock:
        if _blas is None:
            from threadpoolctl import ThreadpoolController

            _blas = ThreadpoolController()
    limited: AbstractContextManager[Any] = _blas.limit(limits=1, user_api="blas")
    return limited


def _embeddable(key: str) -> bool:
    return bool(key) and not _LATIN_SHORT.match(key) and not _NUMERIC.match(key) and len(key) > 1


# New names are decided in blocks: each block is compared with the index (which holds
# the earlier blocks' new names by then) and with itself, so a large import costs
# matrix products, not one product per name against everything made new before it.
_BLOCK = 256


class Resolver:
    def __init__(self, threshold: float, encoder: Encoder | None = None, *,
                 short_cjk_chars: int = 2, short_cjk_threshold: float | None = None) -> None:
        self.threshold = threshold
        self.encoder = encoder
        # Names of at most this many CJK characters merge by exact key or alias only, or,
        # when `short_cjk_threshold` is set, at max(threshold, short_cjk_threshold).
        self.short_cjk_chars = short_cjk_chars
        self.short_cjk_threshold = (None if short_cjk_threshold is None
                                    else max(threshold, short_cjk_threshold))
        self._seed: dict[tuple[str, str], str] = {}
        self._display: dict[tuple[str, str], str] = {}
        for label, terms in SEED.items():
            for term in terms:
                self._display[(label, term.key)] = term.display
                for name in term.names:
                    self._seed.setdefault((label, normalize_key(label, name)), term.key)
        self._aliases: dict[tuple[str, str], str] = {}
        self._known: dict[str, dict[str, str]] = {}
        self._index: dict[str, _Index] = {label: _Index() for label in EMBED_LABELS}
        # (label, raw name) -> normalised key: normalising is pure, so this never goes stale.
        self._keys: dict[tuple[str, str], str] = {}
        self.version = 0   # bumps when the known vocabulary changes (matchers rebuild)

    # -- state ----------------------------------------------------------------------------
    def load(self, aliases: list[dict[str, Any]], names: dict[str, list[tuple[str, str]]]
             ) -> None:
        self._aliases = {(a["label"], a["alias"]): a["canonical"] for a in aliases}
        self._known = {}
        for label, rows in names.items():
            for key, name in rows:
                self.learn(label, key, name)
        for label, terms in SEED.items():
            if label in self._index:
                for term in terms:
                    for name in term.names:
                        self._index_later(label, normalize_key(label, name), name,
                                          target=term.key)
        self.version += 1

    def set_encoder(self, encoder: Encoder) -> None:
        self.encoder = encoder
        for index in self._index.values():
            index.flush(encoder)

    def learn(self, label: str, key: str, name: str) -> None:
        self._remember(label, key, name)
        self._index_later(label, key, name)

    def _remember(self, label: str, key: str, name: str) -> None:
        known = self._known.setdefault(label, {})
        if key not in known:
            known[key] = name
            self.version += 1

    def _index_later(self, label: str, key: str, name: str, *, target: str | None = None
                     ) -> None:
        """Queue a name (normalised: `key`) for the index, encoded at the next resolution,
        if it can take part in embedding merges; it resolves to `target` (default `key`)."""
        index = self._index.get(label)
        if index is None or not self.comparable(key):
            return
        index.add(target or key, name, self.is_short(key))

    def forget(self, label: str, key: str) -> None:
        """A node that no longer exists (merged away)."""
        if self._known.get(label, {}).pop(key, None) is not None:
            self.version += 1

    def add_alias(self, label: str, alias: str, canonical: str) -> None:
        self._aliases[(label, alias)] = canonical
        self.version += 1

    def remove_alias(self, label: str, alias: str) -> None:
        self._aliases.pop((label, alias), None)
        self.version += 1

    def known(self, label: str) -> dict[str, str]:
        return dict(self._known.get(label, {}))

    def seed_names(self, label: str) -> list[tuple[str, str]]:
        """(surface name, canonical key) of the seed lexicon for a label."""
        return [(name, term.key) for term in SEED.get(label, ()) for name in term.names]

    def display(self, label: str, key: str) -> str | None:
        return self._known.get(label, {}).get(key) or self._display.get((label, key))

    # -- the short-name rule --------------------------------------------------------------
    def is_short(self, key: str) -> bool:
        """A short Chinese name: at most `short_cjk_chars` CJK characters and nothing else."""
        return 0 < len(key) <= self.short_cjk_chars and _CJK.match(key) is not None

    def comparable(self, key: str) -> bool:
        """Whether a name takes part in embedding merges at all (as a query or a target)."""
        return _embeddable(key) and (self.short_cjk_threshold is not None
                                     or not self.is_short(key))

    def _best(self, sims: np.ndarray, short: np.ndarray, query_short: bool
              ) -> tuple[int, float] | None:
        """The most similar column at or above its pair's threshold."""
        if not len(sims):
            return None
        strict = self.short_cjk_threshold
        if strict is None or not (query_short or short.any()):
            j = int(sims.argmax())
            score = float(sims[j])
            return (j, score) if score >= self.threshold else None
        limit = np.full(len(sims), strict, dtype=np.float32) if query_short \
            else np.where(short, np.float32(strict), np.float32(self.threshold))
        ok = np.where(sims >= limit, sims, -np.inf)
        j = int(ok.argmax())
        return (j, float(sims[j])) if np.isfinite(ok[j]) else None

    # -- resolving ------------------------------------------------------------------------
    def key(self, label: str, name: str) -> str:
        """`normalize_key`, remembered per (label, name)."""
        key = self._keys.get((label, name))
        if key is None:
            if len(self._keys) >= _KEY_CACHE_MAX:
                self._keys.clear()
            key = self._keys[(label, name)] = normalize_key(label, name)
        return key

    def follow(self, label: str, key: str) -> str:
        """The canonical key an exact key resolves to through the alias table."""
        return self._follow(label, key)

    def _follow(self, label: str, key: str) -> str:
        for _ in range(8):   # alias chains after repeated merges are short
            nxt = self._aliases.get((label, key))
            if nxt is None or nxt == key:
                return key
            key = nxt
        return key

    def lookup(self, label: str, name: str) -> Resolved | None:
        """Resolve without embeddings (aliases, lexicon, exact key); None if unknown."""
        key = self.key(label, name)
        return self._lookup_key(label, key, name) if key else None

    def _lookup_key(self, label: str, key: str, name: str) -> Resolved | None:
        if (label, key) in self._aliases:
            canonical = self._follow(label, key)
            return Resolved(canonical, self.display(label, canonical) or name, "alias")
        seed = self._seed.get((label, key))
        if seed is not None:
            canonical = self._follow(label, seed)
            return Resolved(canonical, self.display(label, canonical) or name, "lexicon")
        known = self._known.get(label)
        if known is not None and key in known:
            return Resolved(key, known[key], "exact")
        return None

    def resolve_many(self, label: str, names: list[str]) -> list[Resolved | None]:
        """Each name's node, deciding new names in order as if resolved one by one.

        The names no rule knows are encoded in one call; each is then compared with the
        index and with the names this call made new before it, and a new name joins the
        index with the vector it already has. Two spellings of one key get one decision.
        """
        out: list[Resolved | None] = []
        unknown: list[tuple[int, str, str]] = []
        for i, name in enumerate(names):
            key = self.key(label, name)
            found = self._lookup_key(label, key, name) if key else None
            out.append(found)
            if found is None and key:
                unknown.append((i, name.strip(), key))
        if not unknown:
            return out
        decided: dict[str, Resolved] = {}
        firsts: list[tuple[str, str]] = []     # (key, name) of each new key, in order
        for _, name, key in unknown:
            if key not in decided:
                decided[key] = Resolved(key, name, "new")
                firsts.append((key, name))
        index = self._index.get(label)
        if self.encoder is not None and index is not None:
            self._decide_by_embedding(label, index, firsts, decided)
        else:
            for key, name in firsts:
                self.learn(label, key, name)
        for i, _, key in unknown:
            out[i] = decided[key]
        return out

    def _decide_by_embedding(self, label: str, index: _Index, firsts: list[tuple[str, str]],
                             decided: dict[str, Resolved]) -> None:
        assert self.encoder is not None
        index.flush(self.encoder)
        queries = [(k, n) for k, n in firsts if self.comparable(k)]
        vectors = self.encoder.encode([n for _, n in queries])
        row_of = {k: r for r, (k, _) in enumerate(queries)}
        aliased = False
        block: list[tuple[str, str]] = []

        def decide(block: list[tuple[str, str]]) -> None:
            nonlocal aliased
            rows = [row_of[k] for k, _ in block if k in row_of]
            base = vectors[rows] @ index.matrix.T if rows and len(index) else None
            base_short = index.short
            own = vectors[rows] @ vectors[rows].T if rows else None
            own_short = np.array([self.is_short(k) for k, _ in block if k in row_of],
                                 dtype=bool)
            new_pos: list[int] = []        # positions (in `rows`) of this block's new names
            new_keys: list[str] = []
            pos = 0
            for key, name in block:
                if key not in row_of:
                    self._remember(label, key, name)
                    continue
                q_short = bool(own_short[pos])
                match = None
                if base is not None:
                    hit = self._best(base[pos], base_short, q_short)
                    if hit is not None:
                        match = (index.keys[hit[0]], hit[1])
                if new_pos and own is not None:
                    hit = self._best(own[pos, new_pos], own_short[new_pos], q_short)
                    if hit is not None and (match is None or hit[1] > match[1]):
                        match = (new_keys[hit[0]], hit[1])
                if match is not None:
                    target = self._follow(label, match[0])
                    score = match[1]
                    self._aliases[(label, key)] = target
                    aliased = True
                    decided[key] = Resolved(
                        target, self.display(label, target) or name, "embedding", score,
                        AliasFact(label, key, target, "embedding", round(score, 6)))
                else:
                    self._remember(label, key, name)
                    new_pos.append(pos)
                    new_keys.append(key)
                pos += 1
            if new_pos:
                index.add_encoded(new_keys, [decided[k].name for k in new_keys],
                                  [bool(own_short[p]) for p in new_pos],
                                  vectors[[rows[p] for p in new_pos]])

        with _one_blas_thread():
            for item in firsts:
                block.append(item)
                if len(block) >= _BLOCK:
                    decide(block)
                    block = []
            if block:
                decide(block)
        if aliased:
            self.version += 1

    def resolve(self, label: str, name: str) -> Resolved | None:
        return self.resolve_many(label, [name])[0]

    def nearest(self, label: str, name: str) -> tuple[str, float] | None:
        """The existing key most similar to `name` at or above the threshold; learns nothing."""
        index = self._index.get(label)
        key = self.key(label, name)
        if self.encoder is None or index is None or not self.comparable(key):
            return None
        index.flush(self.encoder)
        if not len(index):
            return None
        vector = self.encoder.encode([name])
        with _one_blas_thread():
            sims = (vector @ index.matrix.T)[0]
        hit = self._best(sims, index.short, self.is_short(key))
        if hit is None:
            return None
        return self._follow(label, index.keys[hit[0]]), hit[1]

    def surfaces(self, label: str) -> list[tuple[str, str]]:
        """Every (surface, key) that resolves for a label: seed names, node names, aliases."""
        out = self.seed_names(label)
        out += [(name, key) for key, name in self._known.get(label, {}).items()]
        out += [(key, key) for key in self._known.get(label, {})]
        out += [(alias, self._follow(label, canonical))
                for (lbl, alias), canonical in self._aliases.items() if lbl == label]
        return out

    def near_duplicates(self, label: str, threshold: float) -> list[tuple[str, str, float]]:
        """Pairs of existing keys whose names are at least `threshold` similar (a pair with
        a short Chinese name needs the short-name threshold too)."""
        if self.encoder is None:
            return []
        items = sorted(self._known.get(label, {}).items())
        items = [(k, n) for k, n in items if self.comparable(k)]
        if len(items) < 2:
            return []
        vectors = self.encoder.encode([n for _, n in items])
        with _one_blas_thread():
            sims = vectors @ vectors.T
        short = [self.is_short(k) for k, _ in items]
        strict = max(threshold, self.short_cjk_threshold or 0.0)
        pairs = []
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                limit = strict if short[i] or short[j] else threshold
                if sims[i, j] >= limit:
                    pairs.append((items[i][0], items[j][0], round(float(sims[i, j]), 6)))
        return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))
