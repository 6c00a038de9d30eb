"""Scoring: single and batch predictions with ids, and explanations from `pred_contribs`.

Every scoring call is stored as one batch row (inputs, scores and, when
computed, contributions as float32 arrays) through the `PredictionStore`
(inside the request, or behind it); a prediction id is `<batch id>-<row>`.
Single predictions are always explained at once; batch rows are explained at
once when asked, or on their first fetch (from the stored inputs and the same
model version, so the answer is the same) and the explanation is then kept.

Answers are plain dicts serialised once by orjson: building pydantic models for
them cost more than the scoring itself. A large batch's answer (JSON or Arrow) is
rendered in the same worker thread that parses and scores it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
from shopmind_common.errors import NotFound, PayloadTooLarge, Unprocessable
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.behavior.service import behavior, date_day
from shopmind_decision.predictions import repository
from shopmind_decision.predictions.loaded import LoadedModel, ModelCache
from shopmind_decision.predictions.schemas import (
    BatchPredictIn,
    Entity,
    ModelRef,
    PredictIn,
    PredictionOut,
)
from shopmind_decision.predictions.store import PredictionStore

# Below this many rows the thread hand-off costs more than it saves. An Arrow body's rows
# are only counted in the worker thread, so its size decides: 64 KB, 2048 rows of 8
# float32 features.
_THREAD_MIN_ROWS = 2048
_THREAD_MIN_BYTES = 2048 * 4 * 8


def _field_error(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"invalid input: {field}: {message}",
                         details=[{"field": field, "message": message}])


def vector_from_features(model: LoadedModel, features: dict[str, float], prefix: str
                         ) -> np.ndarray:
    """A row in schema order; unknown or missing features are 422s naming the field."""
    position = model.position
    unknown = [k for k in features if k not in position]
    if unknown:
        raise Unprocessable(
            f"unknown feature {unknown[0]!r} for {model.name} v{model.version}",
            details=[{"field": f"{prefix}.{k}", "message": "unknown feature"} for k in unknown])
    if len(features) != len(model.names):  # no unknown ones, so some are missing
        missing = [n for n in model.names if n not in features]
        raise Unprocessable(
            f"missing feature {missing[0]!r} for {model.name} v{model.version}",
            details=[{"field": f"{prefix}.{k}", "message": "missing feature"} for k in missing])
    x = np.fromiter((features[n] for n in model.names), dtype="float32", count=len(model.names))
    if not np.isfinite(x).all():
        bad = model.names[int(np.argwhere(~np.isfinite(x))[0][0])]
        raise _field_error(f"{prefix}.{bad}", "must be a finite number")
    return x


def matrix_from_rows(model: LoadedModel, columns: Sequence[str], rows: Sequence[Sequence[float]]
                     ) -> np.ndarray:
    unknown = [(i, c) for i, c in enumerate(columns) if c not in model.position]
    if unknown:
        raise Unprocessable(
            f"unknown feature {unknown[0][1]!r} for {model.name} v{model.version}",
            details=[{"field": f"body.columns.{i}", "message": f"unknown feature {c!r}"}
                     for i, c in unknown])
    if len(set(columns)) != len(columns):
        raise _field_error("body.columns", "a feature is named twice")
    missing = [n for n in model.names if n not in set(columns)]
    if missing:
        raise Unprocessable(
            f"missing feature {missing[0]!r} for {model.name} v{model.version}",
            details=[{"field": "body.columns", "message": f"missing feature {k!r}"}
                     for k in missing])
    try:
        x = np.asarray(rows, dtype="float32")
    except ValueError as exc:
        raise _field_error("body.rows", f"rows must all have {len(columns)} numbers") from exc
    if x.ndim != 2 or x.shape[1] != len(columns):
        raise _field_error("body.rows", f"rows must all have {len(columns)} numbers")
    if not np.isfinite(x).all():
        bad = int(np.argwhere(~np.isfinite(x))[0][0])
        raise _field_error(f"body.rows.{bad}", "values must be finite numbers")
    if list(columns) != model.names:
        order = [list(columns).index(n) for n in model.names]
        x = np.ascontiguousarray(x[:, order])
    return x


ARROW_STREAM = "application/vnd.apache.arrow.stream"


def matrix_from_arrow(model: LoadedModel, data: bytes) -> np.ndarray:
    """Feature columns from an Arrow IPC stream, named like the schema, in schema order."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    try:
        table = ipc.open_stream(pa.py_buffer(data)).read_all()
    except (pa.ArrowInvalid, OSError) as exc:
        raise _field_error("body", f"not an Arrow IPC stream: {exc}") from exc
    columns = table.column_names
    unknown = [(i, c) for i, c in enumerate(columns) if c not in model.position]
    if unknown:
        raise Unprocessable(
            f"unknown feature {unknown[0][1]!r} for {model.name} v{model.version}",
            details=[{"field": f"body.columns.{i}", "message": f"unknown feature {c!r}"}
                     for i, c in unknown])
    missing = [n for n in model.names if n not in set(columns)]
    if missing:
        raise Unprocessable(
            f"missing feature {missing[0]!r} for {model.name} v{model.version}",
            details=[{"field": "body.columns", "message": f"missing feature {k!r}"}
                     for k in missing])
    if table.num_rows == 0:
        raise _field_error("body", "no rows")
    # Column-major: each Arrow column lands in one contiguous copy (row-major, the copy
    # was strided: about 0.5 ms of a 10,000-row batch), and XGBoost reads either layout.
    x = np.empty((table.num_rows, len(model.names)), dtype="float32", order="F")
    for j, name in enumerate(model.names):
        column = table.column(name)
        if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
            raise _field_error(f"body.columns.{columns.index(name)}",
                               f"{name} must be numeric, not {column.type}")
        if column.null_count:
            raise _field_error(f"body.columns.{columns.index(name)}", f"{name} has nulls")
        x[:, j] = column.to_numpy()
    if not np.isfinite(x).all():
        bad = int(np.argwhere(~np.isfinite(x))[0][1])
        raise _field_error(f"body.columns.{columns.index(model.names[bad])}",
                           "values must be finite numbers")
    return x


def explanation_of(model: LoadedModel, row: np.ndarray, contribs: np.ndarray, top_k: int
                   ) -> dict[str, Any]:
    """The explanation of one row: contributions largest absolute first, with the base value."""
    values = contribs[:-1]
    order = np.argsort(-np.abs(values), kind="stable")[:top_k].tolist()
    names = model.names
    row_values = row.tolist()
    value_list = values.tolist()
    return {"method": "xgboost_pred_contribs", "space": model.schema.margin,
            "base_value": float(contribs[-1]),
            "contributions": [{"feature": names[i], "value": row_values[i],
                               "contribution": value_list[i]} for i in order]}


_ID_TAILS: list[str] = []  # '-0","', '-1","', ...: what follows the batch id in each id


def ids_json(batch_id: str, n: int) -> bytes:
    """The JSON array of a batch's n prediction ids (`<batch id>-<row>`), built by one join.

    As a list of n strings for orjson the ids cost more than the rest of the answer; the
    text between two batch ids only depends on the row, so it is kept between batches.
    """
    if n <= 0:
        return b"[]"
    if len(_ID_TAILS) < n - 1:
        _ID_TAILS.extend(f'-{i}","' for i in range(len(_ID_TAILS), n - 1))
    return ('["' + batch_id.join(["", *_ID_TAILS[:n - 1], f'-{n - 1}"]'])).encode()


def to_json(answer: dict[str, Any]) -> bytes:
    return orjson.dumps(answer, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


@dataclass
class ScoredBatch:
    """One stored scoring call and its answer, rendered as JSON or as Arrow."""

    batch_id: str
    model: LoadedModel
    x: np.ndarray
    scores: np.ndarray
    contribs: np.ndarray | None
    top_k: int
    arrow: bool = False  # the answer is an Arrow IPC stream, not JSON
    answer: bytes = b""

    def render(self) -> None:
        self.answer = self.as_arrow() if self.arrow else self.as_json()

    def as_json(self) -> bytes:
        """The answer as JSON bytes (shaped like BatchPredictionOut)."""
        n = int(self.x.shape[0])
        rest: dict[str, Any] = {
            "batch_id": self.batch_id, "model": self.model.name, "version": self.model.version,
            "count": n, "output": self.model.schema.output,
            "scores": np.ascontiguousarray(self.scores, dtype="float32")}
        if self.contribs is not None:
            rest["explanations"] = [explanation_of(self.model, self.x[i], self.contribs[i],
                                                   self.top_k) for i in range(n)]
        body = orjson.dumps(rest, option=orjson.OPT_SERIALIZE_NUMPY)
        return b'{"prediction_ids":' + ids_json(self.batch_id, n) + b"," + body[1:]

    def as_arrow(self) -> bytes:
        """An Arrow IPC stream: prediction_id, score and, when explained, base_value and one
        `contribution.<feature>` column per feature; the batch in the schema metadata."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.ipc as ipc

        n = int(self.x.shape[0])
        rows = pc.cast(pa.array(np.arange(n, dtype="int64")), pa.string())
        ids = pc.binary_join_element_wise(pa.scalar(self.batch_id), rows, "-")
        columns: dict[str, Any] = {"prediction_id": ids, "score": pa.array(self.scores)}
        if self.contribs is not None:
            columns["base_value"] = pa.array(np.ascontiguousarray(self.contribs[:, -1]))
            for j, name in enumerate(self.model.names):
                columns[f"contribution.{name}"] = pa.array(
                    np.ascontiguousarray(self.contribs[:, j]))
        table = pa.table(columns).replace_schema_metadata({
            "batch_id": self.batch_id, "model": self.model.name,
            "version": str(self.model.version), "output": self.model.schema.output,
            "count": str(n)})
        sink = pa.BufferOutputStream()
        with ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return bytes(sink.getvalue())


class PredictionService:
    async def _entity_rows(self, session: AsyncSession, model: LoadedModel,
                           entities: Sequence[Entity], prefix: str) -> np.ndarray:
        """Feature rows for entities, from the behaviour store (point in time)."""
        rows = []
        for i, entity in enumerate(entities):
            if model.kind == "propensity":
                if entity.user_id is None:
                    raise _field_error(f"{prefix}.{i}.user_id" if prefix.endswith("instances")
                                       else f"{prefix}.user_id",
                                       "a propensity prediction needs a user_id")
                frame = await behavior.user_features(session, entity.user_id, [entity.category],
                                                     date_day(entity.as_of))
            else:
                frame = await behavior.category_features(session, [entity.category],
                                                         date_day(entity.as_of))
            rows.append(frame[model.names].to_numpy(dtype="float32")[0])
        return np.vstack(rows)

    async def _entity_rows_any(self, store: PredictionStore, session: AsyncSession | None,
                               model: LoadedModel, entities: Sequence[Entity], prefix: str
                               ) -> np.ndarray:
        if session is not None:
            return await self._entity_rows(session, model, entities, prefix)
        async with store.db.session() as own:
            return await self._entity_rows(own, model, entities, prefix)

    async def _store(self, store: PredictionStore, model: LoadedModel, x: np.ndarray,
                     scores: np.ndarray, contribs: np.ndarray | None,
                     entities: list[dict[str, Any]] | None, batch_id: str | None = None
                     ) -> tuple[str, datetime]:
        batch_id = batch_id or uuid.uuid4().hex
        created = datetime.now(UTC)
        await store.add({
            "id": batch_id, "model_name": model.name, "model_version": model.version,
            "count": int(x.shape[0]), "feature_names": model.names,
            # The array itself, not a copy: it is written to a segment or turned into bytes
            # once, at the write (either layout; see store.py).
            "features": np.asarray(x, dtype="float32"),
            "scores": np.ascontiguousarray(scores, dtype="float32").tobytes(),
            "contributions": None if contribs is None else
            np.ascontiguousarray(contribs, dtype="float32").tobytes(),
            "entities": entities, "created_at": created,
        })
        return batch_id, created

    async def predict(self, models: ModelCache, store: PredictionStore, body: PredictIn,
                      session: AsyncSession | None = None) -> dict[str, Any]:
        """Score one row and explain it (the answer as a dict shaped like PredictionOut)."""
        model = models.get(body.model, body.version, body.alias)
        entity = None
        if body.features is not None:
            x = vector_from_features(model, body.features, "body.features").reshape(1, -1)
        else:
            assert body.entity is not None
            x = await self._entity_rows_any(store, session, model, [body.entity], "body.entity")
            entity = body.entity.model_dump(mode="json")
        contribs = model.contributions(x)
        margin = float(contribs[0].sum(dtype="float64"))
        score = model.score(np.array([margin], dtype="float32"))
        batch_id, created = await self._store(store, model, x, score, contribs,
                                              [entity] if entity else None)
        return {"prediction_id": f"{batch_id}-0", "model": model.name,
                "version": model.version, "kind": model.kind,
                "output": model.schema.output, "score": float(score[0]),
                "margin": margin, "entity": entity,
                "explanation": explanation_of(model, x[0], contribs[0], body.top_k),
                "created_at": created}

    async def predict_out(self, models: ModelCache, store: PredictionStore, body: PredictIn,
                          session: AsyncSession | None = None) -> PredictionOut:
        return PredictionOut.model_validate(await self.predict(models, store, body, session))

    async def predict_batch(self, models: ModelCache, store: PredictionStore,
                            body: BatchPredictIn, max_rows: int, arrow: bool = False
                            ) -> ScoredBatch:
        """Score many rows; one stored batch, one id per row."""
        n = len(body.rows) if body.rows is not None else len(body.instances or [])
        if n > max_rows:
            raise PayloadTooLarge(f"{n} rows is more than the limit of {max_rows}",
                                  details=[{"field": "body.rows", "message": "too many rows"}])
        model = models.get(body.model, body.version, body.alias)
        entities: list[dict[str, Any]] | None = None
        if body.rows is not None:
            assert body.columns is not None
            x = matrix_from_rows(model, body.columns, body.rows)
        else:
            instances = body.instances or []
            if all(i.features is not None for i in instances):
                x = np.vstack([vector_from_features(model, i.features or {},
                                                    f"body.instances.{k}.features")
                               for k, i in enumerate(instances)])
            else:
                parts = []
                entities = []
                async with store.db.session() as session:
                    for k, inst in enumerate(instances):
                        if inst.features is not None:
                            parts.append(vector_from_features(model, inst.features,
                                                              f"body.instances.{k}.features"))
                            entities.append({})
                        else:
                            assert inst.entity is not None
                            row = await self._entity_rows(session, model, [inst.entity],
                                                          f"body.instances.{k}.entity")
                            parts.append(row[0])
                            entities.append(inst.entity.model_dump(mode="json"))
                x = np.vstack(parts)

        return await self._score_batch(store, model, lambda: x, explain=body.explain,
                                       top_k=body.top_k, entities=entities, arrow=arrow,
                                       threaded=x.shape[0] >= _THREAD_MIN_ROWS)

    async def predict_arrow(self, models: ModelCache, store: PredictionStore, data: bytes, *,
                            ref: ModelRef, explain: bool, top_k: int, max_rows: int,
                            arrow: bool = False) -> ScoredBatch:
        """Score the rows of an Arrow IPC stream (the fast path for large batches)."""
        model = models.get(ref.model, ref.version, ref.alias)

        def rows() -> np.ndarray:
            x = matrix_from_arrow(model, data)
            if x.shape[0] > max_rows:
                raise PayloadTooLarge(f"{x.shape[0]} rows is more than the limit of {max_rows}",
                                      details=[{"field": "body", "message": "too many rows"}])
            return x

        return await self._score_batch(store, model, rows, explain=explain, top_k=top_k,
                                       entities=None, arrow=arrow,
                                       threaded=len(data) >= _THREAD_MIN_BYTES)

    async def _score_batch(self, store: PredictionStore, model: LoadedModel,
                           rows: Callable[[], np.ndarray], *, explain: bool, top_k: int,
                           entities: list[dict[str, Any]] | None, arrow: bool, threaded: bool
                           ) -> ScoredBatch:
        """Rows, scores and the rendered answer in one worker-thread hand-off (`threaded`),
        then the stored batch: it is readable by id before the answer is sent."""
        batch_id = uuid.uuid4().hex

        def work() -> ScoredBatch:
            x = rows()
            if explain:
                contribs: np.ndarray | None = model.contributions(x)
                scores = model.score(contribs.sum(axis=1))
            else:
                contribs, scores = None, model.score(model.margin(x))
            out = ScoredBatch(batch_id, model, x, scores, contribs, top_k, arrow)
            out.render()
            return out

        out = await asyncio.to_thread(work) if threaded else work()
        await self._store(store, model, out.x, out.scores, out.contribs, entities, batch_id)
        return out

    async def get(self, models: ModelCache, store: PredictionStore, prediction_id: str,
                  top_k: int | None = None) -> dict[str, Any]:
        """A stored prediction and its explanation (computed and kept on first fetch)."""
        batch_id, _, index_text = prediction_id.rpartition("-")
        not_found = NotFound(f"no prediction {prediction_id!r}",
                             details=[{"field": "prediction_id", "message": "no such prediction"}])
        if not batch_id or not index_text.isdigit():
            raise not_found
        row = await store.get_batch(batch_id)
        index = int(index_text)
        if row is None or index >= row["count"]:
            raise not_found
        width = len(row["feature_names"])
        x = row["features"][index]
        score = float(np.frombuffer(row["scores"], dtype="float32")[index])
        model = models.get(row["model_name"], row["model_version"])
        if row["contributions"] is not None:
            contribs = np.frombuffer(row["contributions"], dtype="float32").reshape(
                row["count"], width + 1)[index]
        else:
            async with store.db.session() as session:
                kept = await repository.get_explanation(session, prediction_id)
                if kept is None:
                    contribs = model.contributions(x.reshape(1, -1))[0]
                    await repository.save_explanation(session, prediction_id,
                                                      [float(v) for v in contribs])
                else:
                    contribs = np.asarray(kept, dtype="float32")
        entity = (row["entities"] or [None] * row["count"])[index] or None
        return {"prediction_id": prediction_id, "model": row["model_name"],
                "version": row["model_version"], "kind": model.kind,
                "output": model.schema.output, "score": score,
                "margin": float(contribs.sum(dtype="float64")), "entity": entity,
                "explanation": explanation_of(model, x, contribs, top_k or width),
                "created_at": row["created_at"]}

    async def get_out(self, models: ModelCache, store: PredictionStore, prediction_id: str,
                      top_k: int | None = None) -> PredictionOut:
        return PredictionOut.model_validate(await self.get(models, store, prediction_id, top_k))


predictions = PredictionService()
