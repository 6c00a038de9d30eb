"""Resolving a name to the key of the node it means.

In order: the alias table (user aliases, merges, earlier embedding matches,
imports), the seed lexicon, an existing node with the same normalised key,
then the nearest existing name by embedding if its cosine similarity reaches
the threshold. Otherwise the normalised key is a new node. The resolver keeps
the aliases and node names of the graph in memory; the service refreshes them
from the store at start-up, after alias and merge calls, and periodically.
"""

from __future__ import annotations

import re
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


@dataclass(frozen=True)
class Resolved:
    key: str
    name: str
    how: str                          # alias | lexicon | exact | embedding | new
    score: float | None = None
    alias: AliasFact | None = None    # a new alias this resolution decided (embedding)


class _Index:
    """Vectors of the names known for one label, with the key each name resolves to."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.names: list[str] = []
        self.matrix = np.zeros((0, 512), dtype=np.float32)
        self.pending: list[tuple[str, str]] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, key: str, name: str) -> None:
        if (key, name) not in self._seen:
            self._seen.add((key, name))
            self.pending.append((key, name))

    def add_encoded(self, keys: list[str], names: list[str], vectors: np.ndarray) -> None:
        """Names whose vectors the caller already has: indexed without encoding them again."""
        if not keys:
            return
        done = set(zip(keys, names, strict=True))
        self.pending = [p for p in self.pending if p not in done]
        self._seen |= done
        self.keys.extend(keys)
        self.names.extend(names)
        rows = np.asarray(vectors, dtype=np.float32)
        self.matrix = np.vstack([self.matrix, rows]) if len(self.matrix) else rows

    def flush(self, encoder: Encoder) -> None:
        if not self.pending:
            return
        vectors = encoder.encode([name for _, name in self.pending])
        self.keys.extend(k for k, _ in self.pending)
        self.names.extend(n for _, n in self.pending)
        self.matrix = np.vstack([self.matrix, vectors]) if len(self.matrix) else vectors
        self.pending.clear()


def _embeddable(key: str) -> bool:
    return bool(key) and not _LATIN_SHORT.match(key) and not _NUMERIC.match(key) and len(key) > 1


class Resolver:
    def __init__(self, threshold: float, encoder: Encoder | None = None) -> None:
        self.threshold = threshold
        self.encoder = encoder
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
                        self._index[label].add(term.key, name)
        self.version += 1

    def set_encoder(self, encoder: Encoder) -> None:
        self.encoder = encoder
        for index in self._index.values():
            index.flush(encoder)

    def learn(self, label: str, key: str, name: str) -> None:
        known = self._known.setdefault(label, {})
        if key not in known:
            known[key] = name
            self.version += 1
        if label in self._index:
            self._index[label].add(key, name)

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

    # -- resolving ------------------------------------------------------------------------
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
        key = normalize_key(label, name)
        if not key:
            return None
        if (label, key) in self._aliases:
            canonical = self._follow(label, key)
            return Resolved(canonical, self.display(label, canonical) or name, "alias")
        if (label, key) in self._seed:
            canonical = self._follow(label, self._seed[(label, key)])
            return Resolved(canonical, self.display(label, canonical) or name, "lexicon")
        if key in self._known.get(label, {}):
            return Resolved(key, self._known[label][key], "exact")
        return None

    def resolve_many(self, label: str, names: list[str]) -> list[Resolved | None]:
        out: list[Resolved | None] = []
        unknown: list[tuple[int, str, str]] = []
        for i, name in enumerate(names):
            found = self.lookup(label, name)
            out.append(found)
            if found is None:
                key = normalize_key(label, name)
                if key:
                    unknown.append((i, name.strip(), key))
        if not unknown:
            return out
        index = self._index.get(label)
        use_embeddings = self.encoder is not None and index is not None
        if use_embeddings:
            assert self.encoder is not None and index is not None
            index.flush(self.encoder)
        candidates = [(i, n, k) for i, n, k in unknown if _embeddable(k)]
        # One encoder call for every new name; the names are then decided in order, each
        # against the index and the names this call made new before it (as if resolved
        # one by one), and a new name joins the index with the vector it already has.
        row_of: dict[int, int] = {}
        vectors = np.zeros((0, 512), dtype=np.float32)
        base_keys: list[str] = []
        sims = None
        if use_embeddings and candidates and index is not None:
            assert self.encoder is not None
            vectors = self.encoder.encode([n for _, n, _ in candidates])
            row_of = {i: row for row, (i, _, _) in enumerate(candidates)}
            base_keys = list(index.keys)
            if base_keys:
                sims = vectors @ index.matrix.T
        new_keys: list[str] = []
        new_names: list[str] = []
        new_rows: list[int] = []
        decided: dict[str, Resolved] = {}
        for i, name, key in unknown:
            if key in decided:      # the same new name twice in one batch
                out[i] = decided[key]
                continue
            match: tuple[str, float] | None = None
            row = row_of.get(i)
            if row is not None:
                if sims is not None:
                    j = int(sims[row].argmax())
                    match = (base_keys[j], float(sims[row, j]))
                if new_rows:
                    own = vectors[new_rows] @ vectors[row]
                    j = int(own.argmax())
                    if match is None or float(own[j]) > match[1]:
                        match = (new_keys[j], float(own[j]))
                if match is not None and match[1] < self.threshold:
                    match = None
            if match is not None:
                target, score = match
                target = self._follow(label, target)
                alias = AliasFact(label, key, target, "embedding", round(score, 6))
                self._aliases[(label, key)] = target
                decided[key] = Resolved(target, self.display(label, target) or name,
                                        "embedding", score, alias)
            else:
                decided[key] = Resolved(key, name, "new")
                if row is not None:
                    new_keys.append(key)
                    new_names.append(name)
                    new_rows.append(row)
                self.learn(label, key, name)
            out[i] = decided[key]
        if index is not None and new_rows:
            index.add_encoded(new_keys, new_names, vectors[new_rows])
        return out

    def resolve(self, label: str, name: str) -> Resolved | None:
        return self.resolve_many(label, [name])[0]

    def nearest(self, label: str, name: str) -> tuple[str, float] | None:
        """The existing key most similar to `name` at or above the threshold; learns nothing."""
        index = self._index.get(label)
        key = normalize_key(label, name)
        if self.encoder is None or index is None or not _embeddable(key):
            return None
        index.flush(self.encoder)
        if not len(index.keys):
            return None
        sims = (self.encoder.encode([name]) @ index.matrix.T)[0]
        best = int(sims.argmax())
        if float(sims[best]) < self.threshold:
            return None
        return self._follow(label, index.keys[best]), float(sims[best])

    def surfaces(self, label: str) -> list[tuple[str, str]]:
        """Every (surface, key) that resolves for a label: seed names, node names, aliases."""
        out = self.seed_names(label)
        out += [(name, key) for key, name in self._known.get(label, {}).items()]
        out += [(key, key) for key in self._known.get(label, {})]
        out += [(alias, self._follow(label, canonical))
                for (lbl, alias), canonical in self._aliases.items() if lbl == label]
        return out

    def near_duplicates(self, label: str, threshold: float) -> list[tuple[str, str, float]]:
        """Pairs of existing keys whose names are at least `threshold` similar."""
        if self.encoder is None:
            return []
        items = sorted(self._known.get(label, {}).items())
        items = [(k, n) for k, n in items if _embeddable(k)]
        if len(items) < 2:
            return []
        vectors = self.encoder.encode([n for _, n in items])
        sims = vectors @ vectors.T
        pairs = []
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                if sims[i, j] >= threshold:
                    pairs.append((items[i][0], items[j][0], round(float(sims[i, j]), 6)))
        return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))
