"""Decision serving: batch rows/s through the service against raw XGBoost, and single p99.

    ~/.cache/shopmind/venv/bin/python bench/decision_serving/run.py

It trains a propensity model on a completejourney sample into a temporary
registry, starts the decision service with uvicorn in its own process, and
scores the same feature rows three ways: `Booster.inplace_predict` in this
process (the limit), `POST /v1/decision/predictions/batch` over HTTP (each row
gets a stored prediction id), and one by one through `POST
/v1/decision/predictions` with an explanation from `pred_contribs`, first with
the default DECISION_PREDICTION_WRITE=behind, then the Arrow pairs and the
singles again with `sync`. Writes its figures into README.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.ipc as ipc
import xgboost as xgb
from shopmind_common.benchmarks import write_results
from shopmind_decision.datasets.completejourney import (
    daily_activity,
    load_transactions,
    top_categories,
)
from shopmind_decision.features.definitions import PROPENSITY_FEATURES
from shopmind_decision.registry.repository import RegistryStore
from shopmind_decision.registry.service import registry
from shopmind_decision.training.propensity import (
    PropensityConfig,
    build_snapshot,
    train_propensity,
)

README = Path(__file__).with_name("README.md")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the service exited during start-up")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not become ready")


def _start(tmp: str, store: RegistryStore, threads: int, write: str
           ) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    (Path(tmp) / write).mkdir(exist_ok=True)
    env = {**os.environ, "SHOPMIND_DATA_DIR": str(Path(tmp) / write),
           "DECISION_MODEL_DIR": str(store.root), "CONSUMERS_ENABLED": "false",
           "LOG_LEVEL": "WARNING", "DECISION_PREDICT_THREADS": str(threads),
           "DECISION_INSIGHTS_BACKEND": "template", "DECISION_PREDICTION_WRITE": write}
    for var in ("KAFKA_BOOTSTRAP", "DATABASE_URL"):
        env.pop(var, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "shopmind_decision.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log"], env=env)
    return proc, f"http://127.0.0.1:{port}"


def _latencies(client: httpx.Client, bodies: list[bytes]) -> np.ndarray:
    """Client-side ms of sequential single predictions with their explanation."""
    headers = {"content-type": "application/json"}
    for body in bodies[:50]:
        client.post("/v1/decision/predictions", content=body, headers=headers)
    lat = []
    for body in bodies:
        t0 = time.perf_counter()
        r = client.post("/v1/decision/predictions", content=body, headers=headers)
        lat.append(time.perf_counter() - t0)
        assert r.status_code == 201, r.text
        assert r.json()["explanation"]["contributions"]
    return np.array(lat) * 1000


def _paired(raw_fn, svc_fn, rows: int, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Service/raw rate ratios, each pair timed back to back so both see the same load."""
    ratios = []
    for _ in range(repeats):
        raw_rate, _ = _best_rate(raw_fn, rows, 1)
        svc_rate, _ = _best_rate(svc_fn, rows, 1)
        ratios.append(svc_rate / raw_rate)
    return ratios


def _best_rate(fn, rows: int, repeats: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(best rows/s, median rows/s) over repeats."""
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        rates.append(rows / (time.perf_counter() - t0))
    return max(rates), float(np.median(rates))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=800)
    ap.add_argument("--categories", type=int, default=100)
    ap.add_argument("--batch-rows", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--singles", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    load_start = os.getloadavg()[0]

    tx = load_transactions(max_households=args.households, seed=1)
    cats = top_categories(tx, args.categories)
    activity = daily_activity(tx)
    activity = activity[activity["category"].isin(cats)]
    trained = train_propensity(activity, categories=cats, source="completejourney",
                               config=PropensityConfig(max_train_snapshots=3,
                                                       threads=args.threads,
                                                       logistic_baseline=False))
    # Real rows to score: the features of an earlier snapshot.
    as_of = int(activity["day"].max()) - 60
    snap = build_snapshot(activity, as_of, horizon=14, categories=cats,
                          specs=PROPENSITY_FEATURES, active_days=91)
    x_all = snap.frame.to_numpy(dtype="float32")
    reps = -(-args.batch_rows // len(x_all))
    x = np.ascontiguousarray(np.tile(x_all, (reps, 1))[:args.batch_rows])
    names = trained.schema.names
    trees = trained.booster.num_boosted_rounds()
    depth = trained.params["xgboost"]["max_depth"]
    print(f"model: {trees} trees of depth <= {depth}, {len(names)} features; "
          f"batch of {len(x):,} rows")

    with tempfile.TemporaryDirectory() as tmp:
        store = RegistryStore(Path(tmp) / "models")
        registry.register(store, "propensity", trained, job_id=None, promote=None)
        raw = xgb.Booster()
        raw.load_model(str(store.model_path("propensity", 1)))
        raw.set_param({"nthread": args.threads})
        raw.inplace_predict(x[:10])

        raw_best, raw_med = _best_rate(lambda: raw.inplace_predict(x), len(x), args.repeats)
        dm = xgb.DMatrix(x, feature_names=names)
        contrib_best, _ = _best_rate(lambda: raw.predict(dm, pred_contribs=True), len(x), 3)

        proc, base = _start(tmp, store, args.threads, "behind")
        try:
            _wait_ready(base, proc)
            with httpx.Client(base_url=base, timeout=120) as client:
                payload = orjson.dumps({"model": "propensity", "columns": names,
                                        "rows": x.tolist()})
                headers = {"content-type": "application/json"}

                def batch() -> None:
                    r = client.post("/v1/decision/predictions/batch", content=payload,
                                    headers=headers)
                    assert r.status_code == 201, r.text

                batch()  # warm
                check = client.post("/v1/decision/predictions/batch", content=payload,
                                    headers=headers).json()
                assert np.allclose(check["scores"], raw.inplace_predict(x), atol=1e-5)
                json_best, json_med = _best_rate(batch, len(x), args.repeats)

                sink = pa.BufferOutputStream()
                table = pa.table({n: x[:, j] for j, n in enumerate(names)})
                with ipc.new_stream(sink, table.schema) as writer:
                    writer.write_table(table)
                arrow_body = sink.getvalue().to_pybytes()
                arrow_headers = {"content-type": "application/vnd.apache.arrow.stream"}

                def arrow_batch() -> None:
                    r = client.post("/v1/decision/predictions/batch/arrow",
                                    params={"model": "propensity"}, content=arrow_body,
                                    headers=arrow_headers)
                    assert r.status_code == 201, r.text

                arrow_batch()
                # Interleaved with the raw runs so that both see the same machine load.
                pair_ratios = _paired(lambda: raw.inplace_predict(x), arrow_batch, len(x),
                                      args.repeats)
                check = client.post("/v1/decision/predictions/batch/arrow",
                                    params={"model": "propensity"}, content=arrow_body,
                                    headers=arrow_headers).json()
                assert np.allclose(check["scores"], raw.inplace_predict(x), atol=1e-5)
                assert len(set(check["prediction_ids"])) == len(x)
                svc_best, svc_med = _best_rate(arrow_batch, len(x), args.repeats)

                # Arrow in, Arrow out: ids and scores as columns instead of JSON lists.
                arrow_both = {**arrow_headers, "accept": "application/vnd.apache.arrow.stream"}

                def arrow_arrow_batch() -> None:
                    r = client.post("/v1/decision/predictions/batch/arrow",
                                    params={"model": "propensity"}, content=arrow_body,
                                    headers=arrow_both)
                    assert r.status_code == 201, r.text
                    ipc.open_stream(r.content).read_all()

                arrow_arrow_batch()
                aa_ratios = _paired(lambda: raw.inplace_predict(x), arrow_arrow_batch, len(x),
                                    args.repeats)
                answer = ipc.open_stream(client.post(
                    "/v1/decision/predictions/batch/arrow", params={"model": "propensity"},
                    content=arrow_body, headers=arrow_both).content).read_all()
                assert np.allclose(answer.column("score").to_numpy(), raw.inplace_predict(x),
                                   atol=1e-5)
                assert len(answer.column("prediction_id").unique()) == len(x)
                aa_best, aa_med = _best_rate(arrow_arrow_batch, len(x), args.repeats)

                rng = np.random.default_rng(0)
                picks = rng.integers(0, len(x_all), size=args.singles)
                bodies = [orjson.dumps({"model": "propensity", "top_k": 10, "features": {
                    n: float(v) for n, v in zip(names, x_all[i], strict=True)}}) for i in picks]
                lat_ms = _latencies(client, bodies)
                single = raw.copy()
                single.set_param({"nthread": 1})  # as the service does for small requests
                single.feature_names = None
                raw_lat = []
                for i in range(1000):
                    row = x_all[i % len(x_all):i % len(x_all) + 1]
                    t0 = time.perf_counter()
                    single.predict(xgb.DMatrix(row, nthread=1), pred_contribs=True)
                    raw_lat.append(time.perf_counter() - t0)
                raw_lat_ms = np.array(raw_lat) * 1000
        finally:
            proc.terminate()
            proc.wait(timeout=30)

        # The same singles and Arrow batches with DECISION_PREDICTION_WRITE=sync.
        proc, base = _start(tmp, store, args.threads, "sync")
        try:
            _wait_ready(base, proc)
            with httpx.Client(base_url=base, timeout=120) as client:
                def sync_arrow_batch() -> None:
                    r = client.post("/v1/decision/predictions/batch/arrow",
                                    params={"model": "propensity"}, content=arrow_body,
                                    headers=arrow_headers)
                    assert r.status_code == 201, r.text

                sync_arrow_batch()
                sync_ratios = _paired(lambda: raw.inplace_predict(x), sync_arrow_batch,
                                      len(x), args.repeats)
                sync_lat_ms = _latencies(client, bodies)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    ratio = svc_best / raw_best
    paired = float(np.median(pair_ratios))
    aa_paired = float(np.median(aa_ratios))
    sync_paired = float(np.median(sync_ratios))
    p50, p99 = float(np.percentile(lat_ms, 50)), float(np.percentile(lat_ms, 99))
    s50, s99 = float(np.percentile(sync_lat_ms, 50)), float(np.percentile(sync_lat_ms, 99))
    r50, r99 = float(np.percentile(raw_lat_ms, 50)), float(np.percentile(raw_lat_ms, 99))
    print(f"raw xgboost inplace_predict ({args.threads} threads): {raw_best:,.0f} rows/s "
          f"(median {raw_med:,.0f})")
    print(f"service batch, Arrow body, JSON answer (stored with ids): {svc_best:,.0f} rows/s "
          f"(median {svc_med:,.0f}); median of interleaved pairs {paired:.3f}")
    print(f"service batch, Arrow body, Arrow answer (stored with ids): {aa_best:,.0f} rows/s "
          f"(median {aa_med:,.0f}); median of interleaved pairs {aa_paired:.3f}")
    print(f"service batch, JSON body (stored with ids): {json_best:,.0f} rows/s "
          f"(median {json_med:,.0f}); ratio {json_best / raw_best:.3f}")
    print(f"ratio service / raw xgboost (write behind): best/best {ratio:.3f}; goal >= 0.5 on "
          f"the default Arrow path (JSON answer, median of pairs): "
          f"{'met' if paired >= 0.5 else 'NOT met'}")
    print(f"with DECISION_PREDICTION_WRITE=sync: Arrow body, JSON answer, median of pairs "
          f"{sync_paired:.3f}; singles p50 {s50:.2f} ms, p99 {s99:.2f} ms")
    print(f"raw pred_contribs (explanations): {contrib_best:,.0f} rows/s")
    print(f"single prediction with explanation over HTTP (write behind): p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms (goal p99 < 10 ms: {'met' if p99 < 10 else 'NOT met'}); raw "
          f"single-row pred_contribs p50 {r50:.2f} ms, p99 {r99:.2f} ms")
    total = time.perf_counter() - started
    print(f"total {total:.0f}s, load average {load_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end")

    if not args.no_readme:
        load = os.getloadavg()[0]
        block = "\n".join([
            f"Last run: {datetime.now(UTC).date().isoformat()}, "
            f"`{' '.join(sys.argv[1:]) or 'defaults'}`, {os.cpu_count()} CPUs (load average "
            f"{load_start:.1f} at the start, {load:.1f} at the end: above the core count means "
            f"the machine was shared), {total:.0f} s in all. Model: {trees} trees of depth <= "
            f"{depth}, {len(names)} features; batches of {len(x):,} rows. Service with "
            "`DECISION_PREDICTION_WRITE=behind` (the default) unless noted.",
            "",
            "| path | rows/s (best of runs) | median | vs raw XGBoost (best/best) | "
            "median of interleaved pairs |",
            "| --- | --- | --- | --- | --- |",
            f"| raw `Booster.inplace_predict`, {args.threads} threads (the limit) | "
            f"{raw_best:,.0f} | {raw_med:,.0f} | 1.000 | |",
            f"| service `POST .../batch/arrow`, Arrow IPC body, JSON answer (stored with ids) | "
            f"{svc_best:,.0f} | {svc_med:,.0f} | {ratio:.3f} | **{paired:.3f}** |",
            f"| service `POST .../batch/arrow`, Arrow IPC body, Arrow answer "
            f"(`Accept: application/vnd.apache.arrow.stream`, stored with ids) | "
            f"{aa_best:,.0f} | {aa_med:,.0f} | {aa_best / raw_best:.3f} | **{aa_paired:.3f}** |",
            f"| service `POST .../batch`, JSON `columns`+`rows` (stored with ids) | "
            f"{json_best:,.0f} | {json_med:,.0f} | {json_best / raw_best:.3f} | |",
            f"| the same Arrow body, JSON answer, `DECISION_PREDICTION_WRITE=sync` | | | | "
            f"{sync_paired:.3f} |",
            "",
            "Interleaved pairs: each raw run is timed back to back with one service call, so "
            f"both see the same load; the median of {args.repeats} pairs is the figure to "
            "compare with the goal (>= 0.5).",
            "",
            "| path | rows/s (best of runs) | vs raw XGBoost |",
            "| --- | --- | --- |",
            f"| raw `pred_contribs` (what `explain: true` costs) | {contrib_best:,.0f} | "
            f"{contrib_best / raw_best:.3f} |",
            "",
            f"Single prediction with its explanation (`POST /v1/decision/predictions`, "
            f"{args.singles} sequential requests over HTTP, client-side time):",
            "",
            "| write mode | p50 ms | p99 ms |",
            "| --- | --- | --- |",
            f"| `behind` (default) | {p50:.2f} | {p99:.2f} |",
            f"| `sync` (commit inside the request) | {s50:.2f} | {s99:.2f} |",
            f"| raw single-row `DMatrix` + `Booster.predict(pred_contribs=True)`, one thread, "
            f"no HTTP | {r50:.2f} | {r99:.2f} |",
        ])
        write_results(README, block, title="decision_serving", heading="## Results")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
