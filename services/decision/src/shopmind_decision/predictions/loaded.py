"""Loaded model versions, kept in memory and resolved by version or alias."""

from __future__ import annotations

import ctypes
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xgboost as xgb
from shopmind_common.errors import NotFound

from shopmind_decision.features.schema import FeatureSchema
from shopmind_decision.registry.repository import RegistryStore

# Up to this many rows one thread is faster: no OpenMP wake-up, no contention with other work.
SMALL_ROWS = 64

log = logging.getLogger("shopmind.decision.models")


class DirectContributions:
    """`pred_contribs` for a few rows through the two C calls `Booster.predict` makes.

    `DMatrix(...)` + `Booster.predict(...)` spend more time in Python (argument
    checks, feature metadata, JSON building) than XGBoost spends walking the trees
    of one row. This makes the same `XGDMatrixCreateFromDense` and
    `XGBoosterPredictFromDMatrix` calls with their arguments built once. It is
    checked against the public API when a model loads and not used if it differs
    or if this XGBoost build lacks what it needs.
    """

    def __init__(self, booster: xgb.Booster) -> None:
        from xgboost import core

        self._lib = core._LIB
        self._check = core._check_call
        self._booster = booster  # owns the handle
        self._dense_config = json.dumps({"missing": float("nan"), "nthread": 1}).encode()
        self._predict_config = json.dumps({
            "type": 2, "training": False, "iteration_begin": 0, "iteration_end": 0,
            "strict_shape": False}).encode()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype="float32")
        rows, cols = x.shape
        interface = b'{"data": [%d, true], "shape": [%d, %d], "strides": null, ' \
                    b'"typestr": "<f4", "version": 3}' % (x.ctypes.data, rows, cols)
        dm = ctypes.c_void_p()
        self._check(self._lib.XGDMatrixCreateFromDense(interface, self._dense_config,
                                                       ctypes.byref(dm)))
        try:
            shape = ctypes.POINTER(ctypes.c_uint64)()
            dims = ctypes.c_uint64()
            preds = ctypes.POINTER(ctypes.c_float)()
            self._check(self._lib.XGBoosterPredictFromDMatrix(
                self._booster.handle, dm, self._predict_config, ctypes.byref(shape),
                ctypes.byref(dims), ctypes.byref(preds)))
            size = 1
            for i in range(dims.value):
                size *= int(shape[i])
            # The buffer belongs to the booster and is reused by its next call: copy it.
            out = np.ctypeslib.as_array(preds, shape=(size,)).copy()
        finally:
            self._lib.XGDMatrixFree(dm)
        return out.reshape(rows, cols + 1)

    @classmethod
    def checked(cls, booster: xgb.Booster, width: int) -> DirectContributions | None:
        """The direct path if it gives exactly what `Booster.predict` gives, else None."""
        try:
            direct = cls(booster)
            probe = np.random.default_rng(0).normal(size=(3, width)).astype("float32")
            probe[1, ::3] = np.nan
            expected = booster.predict(xgb.DMatrix(probe, nthread=1), pred_contribs=True,
                                       validate_features=False)
            if np.array_equal(direct(probe), np.asarray(expected, dtype="float32"),
                              equal_nan=True):
                return direct
            log.warning("direct pred_contribs differs from Booster.predict; not used")
        except Exception:
            log.warning("direct pred_contribs unavailable; using Booster.predict", exc_info=True)
        return None


@dataclass
class LoadedModel:
    name: str
    version: int
    kind: str
    schema: FeatureSchema
    booster: xgb.Booster  # batch scoring, DECISION_PREDICT_THREADS threads
    single: xgb.Booster  # the same trees, one thread, no feature names, for small requests
    names: list[str]
    position: dict[str, int]
    direct: DirectContributions | None = field(default=None, repr=False)

    def margin(self, x: np.ndarray) -> np.ndarray:
        """Raw scores (log-odds or log1p units) for a float32 matrix in schema order."""
        booster = self.single if x.shape[0] <= SMALL_ROWS else self.booster
        out: np.ndarray = np.asarray(booster.inplace_predict(x, predict_type="margin"),
                                     dtype="float32")
        return out.reshape(-1)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature contributions plus the bias in the last column (they sum to the margin)."""
        if x.shape[0] <= SMALL_ROWS:
            # Rows are already in schema order (checked by the caller): names on the
            # DMatrix and their validation cost more than the tree walk of one row.
            if self.direct is not None:
                return self.direct(x)
            dm = xgb.DMatrix(x, nthread=1)
            out = self.single.predict(dm, pred_contribs=True, validate_features=False)
        else:
            dm = xgb.DMatrix(x, feature_names=self.names, nthread=-1)
            out = self.booster.predict(dm, pred_contribs=True)
        return np.asarray(out, dtype="float32")

    def score(self, margin: np.ndarray) -> np.ndarray:
        m = margin.astype("float64")
        out = 1.0 / (1.0 + np.exp(-m)) if self.schema.output == "probability" else np.expm1(
            m).clip(min=0)
        return np.asarray(out, dtype="float32")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "kind": self.kind,
                "features": len(self.names), "trees": self.booster.num_boosted_rounds()}


class ModelCache:
    """Boosters by (name, version); aliases re-read when their file changes."""

    def __init__(self, store: RegistryStore, threads: int = 0) -> None:
        self.store = store
        self.threads = threads
        self._models: dict[tuple[str, int], LoadedModel] = {}
        self._aliases: dict[str, tuple[float, dict[str, int]]] = {}
        self._lock = threading.Lock()

    def aliases(self, name: str) -> dict[str, int]:
        mtime = self.store.aliases_mtime(name)
        cached = self._aliases.get(name)
        if cached is None or cached[0] != mtime:
            cached = (mtime, self.store.aliases(name))
            self._aliases[name] = cached
        return cached[1]

    def resolve(self, name: str, version: int | None = None, alias: str | None = None) -> int:
        """The version to use: the one named, else the alias (champion by default)."""
        if version is not None:
            if (name, version) in self._models:
                return version
            if not self.store.versions(name):
                raise NotFound(f"no model named {name!r}",
                               details=[{"field": "model", "message": "no such model"}])
            if self.store.metadata(name, version) is None:
                raise NotFound(f"model {name!r} has no version {version}",
                               details=[{"field": "version", "message": "no such version"}])
            return version
        alias = alias or "champion"
        resolved = self.aliases(name).get(alias)
        if resolved is None:
            if not self.store.versions(name):
                raise NotFound(f"no model named {name!r}",
                               details=[{"field": "model", "message": "no such model"}])
            raise NotFound(f"model {name!r} has no {alias}",
                           details=[{"field": "alias", "message": f"no {alias} version"}])
        return resolved

    def get(self, name: str, version: int | None = None, alias: str | None = None
            ) -> LoadedModel:
        resolved = self.resolve(name, version, alias)
        key = (name, resolved)
        model = self._models.get(key)
        if model is None:
            with self._lock:
                model = self._models.get(key) or self._load(name, resolved)
                self._models[key] = model
        return model

    def _load(self, name: str, version: int) -> LoadedModel:
        meta = self.store.metadata(name, version) or {}
        schema = FeatureSchema.from_dict(self.store.schema(name, version))
        booster = xgb.Booster()
        booster.load_model(str(self.store.model_path(name, version)))
        if self.threads:
            booster.set_param({"nthread": self.threads})
        names = schema.names
        booster.feature_names = names
        single = booster.copy()
        single.set_param({"nthread": 1})
        single.feature_names = None
        model = LoadedModel(name, version, str(meta.get("kind", schema.model_kind)), schema,
                            booster, single, names, {n: i for i, n in enumerate(names)},
                            DirectContributions.checked(single, len(names)))
        warm = np.zeros((1, len(names)), dtype="float32")
        model.margin(warm)
        model.contributions(warm)
        return model

    def load_champions(self) -> dict[str, Any]:
        """Load and warm every champion (start-up); returns what /info shows."""
        loaded = {}
        for name in self.store.names():
            version = self.aliases(name).get("champion")
            if version is not None:
                loaded[name] = self.get(name, version).describe()
        return {"backend": "xgboost", "version": xgb.__version__, "champions": loaded,
                "registry": str(self.store.root)}

    def loaded(self) -> list[dict[str, Any]]:
        return [m.describe() for m in self._models.values()]
