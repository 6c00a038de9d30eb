"""Decision serving: batch rows/s through the service against raw XGBoost, and single p99.

    ~/.cache/shopmind/venv/bin/python bench/decision_serving/run.py

It trains a propensity model on a completejourney sample into a temporary
registry and starts the decision service with uvicorn in its own process, on its
embedded defaults (SQLite). Then:

- **Batch throughput**, sustained: `--calls` requests of `--batch-rows` rows each
  (`--json-calls` for the slow JSON body),
  1 or 2 in flight to one process, then to each of `--threads` single-core replicas
  (processes with one scoring thread), timed until every service has also written every
  scored row
  (`GET /v1/decision/predictions/writes` shows none pending), so the write-behind
  work is paid for. The limit is raw `Booster.inplace_predict` on the
  same rows in this process, `--threads` threads. Raw and service blocks are
  interleaved `--pairs` times so that both see the same machine; the figure is the
  median of the per-pair ratios.
- **Single predictions** with their explanation: `--singles` sequential requests,
  client-side time.

The client is the standard library's `http.client`, one keep-alive connection per
request in flight, so that the client's own cost (a few percent of the service's)
does not hide the service's; the same singles through `httpx` are shown for
reference. Writes its figures into README.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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


def _start(tmp: str, store: RegistryStore, threads: int, write: str, name: str | None = None
           ) -> tuple[subprocess.Popen[bytes], str]:
    """One service process with its own data directory (`name`, default the write mode)."""
    port = _free_port()
    data = Path(tmp) / (name or write)
    data.mkdir(exist_ok=True)
    env = {**os.environ, "SHOPMIND_DATA_DIR": str(data),
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


class Client:
    """One keep-alive `http.client` connection: raw bytes in, status and bytes out."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        self.conn.request("POST", path, body=body, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def close(self) -> None:
        self.conn.close()


def _pending_rows(client: Client) -> int:
    """Rows scored but not yet written, from the service's write status (a small route:
    rendering /metrics on every poll would cost the service more than the poll measures)."""
    status, text = client.get("/v1/decision/predictions/writes")
    assert status == 200, text[:300]
    return int(orjson.loads(text)["pending_rows"])


def _sustained(bases: list[str], call: Callable[[Client], None], calls: int,
               rows: int) -> float:
    """Rows/s of `calls` requests over one connection per entry of `bases` (the same base
    twice: 2 in flight to one service), until every service has written every row."""
    clients = [Client(base) for base in bases]
    pollers = [Client(base) for base in dict.fromkeys(bases)]

    def drained() -> None:
        while any(_pending_rows(p) > 0 for p in pollers):
            time.sleep(0.005)

    try:
        for c in clients:
            call(c)  # connect and warm
        drained()
        todo = iter(range(calls))
        lock = threading.Lock()

        def worker(c: Client) -> None:
            while True:
                with lock:
                    if next(todo, None) is None:
                        return
                call(c)

        start = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        drained()
        return rows * calls / (time.perf_counter() - start)
    finally:
        for c in clients + pollers:
            c.close()


def _raw_rate(fn: Callable[[], object], calls: int, rows: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return rows * calls / (time.perf_counter() - start)


def _paired(raw_fn: Callable[[], object], svc: Callable[[], float], calls: int, rows: int,
            pairs: int) -> tuple[list[float], list[float], list[float]]:
    """(ratios, raw rates, service rates), each raw block timed next to one service block."""
    ratios, raws, svcs = [], [], []
    for _ in range(pairs):
        raw = _raw_rate(raw_fn, calls, rows)
        rate = svc()
        raws.append(raw)
        svcs.append(rate)
        ratios.append(rate / raw)
    return ratios, raws, svcs


def _latencies(post: Callable[[bytes], None], bodies: list[bytes]) -> np.ndarray:
    """Client-side ms of sequential single predictions with their explanation."""
    for body in bodies[:50]:
        post(body)
    lat = []
    for body in bodies:
        t0 = time.perf_counter()
        post(body)
        lat.append(time.perf_counter() - t0)
    return np.array(lat) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=800)
    ap.add_argument("--categories", type=int, default=100)
    ap.add_argument("--batch-rows", type=int, default=10_000)
    ap.add_argument("--calls", type=int, default=100,
                    help="Arrow batch requests per timed block")
    ap.add_argument("--json-calls", type=int, default=20,
                    help="JSON batch requests per timed block (the slow path)")
    ap.add_argument("--pairs", type=int, default=7, help="interleaved raw/service blocks")
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
    n = len(x)
    print(f"model: {trees} trees of depth <= {depth}, {len(names)} features; "
          f"batches of {n:,} rows out of {len(x_all):,} snapshot rows")

    sink = pa.BufferOutputStream()
    table = pa.table({name: x[:, j] for j, name in enumerate(names)})
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    arrow_body = sink.getvalue().to_pybytes()
    json_body = orjson.dumps({"model": "propensity", "columns": names, "rows": x.tolist()})
    arrow_path = "/v1/decision/predictions/batch/arrow?model=propensity"
    arrow_in = {"content-type": "application/vnd.apache.arrow.stream"}
    arrow_both = {**arrow_in, "accept": "application/vnd.apache.arrow.stream"}
    json_in = {"content-type": "application/json"}

    def arrow_json(c: Client) -> None:
        status, body = c.post(arrow_path, arrow_body, arrow_in)
        assert status == 201, body[:300]

    def arrow_arrow(c: Client) -> None:
        status, body = c.post(arrow_path, arrow_body, arrow_both)
        assert status == 201, body[:300]
        ipc.open_stream(body).read_all()

    def json_json(c: Client) -> None:
        status, body = c.post("/v1/decision/predictions/batch", json_body, json_in)
        assert status == 201, body[:300]

    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(x_all), size=args.singles)
    bodies = [orjson.dumps({"model": "propensity", "top_k": 10, "features": {
        name: float(v) for name, v in zip(names, x_all[i], strict=True)}}) for i in picks]

    def singles(base: str) -> np.ndarray:
        c = Client(base)

        def post(body: bytes) -> None:
            status, text = c.post("/v1/decision/predictions", body, json_in)
            assert status == 201, text[:300]
            assert orjson.loads(text)["explanation"]["contributions"]

        try:
            return _latencies(post, bodies)
        finally:
            c.close()

    def singles_httpx(base: str) -> np.ndarray:
        with httpx.Client(base_url=base, timeout=120) as client:
            def post(body: bytes) -> None:
                r = client.post("/v1/decision/predictions", content=body, headers=json_in)
                assert r.status_code == 201, r.text
            return _latencies(post, bodies)

    results: dict[str, tuple[list[float], list[float], list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = RegistryStore(Path(tmp) / "models")
        registry.register(store, "propensity", trained, job_id=None, promote=None)
        raw = xgb.Booster()
        raw.load_model(str(store.model_path("propensity", 1)))
        raw.set_param({"nthread": args.threads})
        raw.inplace_predict(x[:10])
        dm = xgb.DMatrix(x, feature_names=names)
        contrib_rate = _raw_rate(lambda: raw.predict(dm, pred_contribs=True), 3, n)

        def raw_fn() -> object:
            return raw.inplace_predict(x)

        def measure(key: str, bases: list[str], call: Callable[[Client], None],
                    calls: int | None = None) -> None:
            calls = calls or args.calls
            results[key] = _paired(raw_fn, lambda: _sustained(bases, call, calls, n),
                                   calls, n, args.pairs)
            ratios, raws, svcs = results[key]
            print(f"{key}: median ratio {np.median(ratios):.3f} (service "
                  f"{np.median(svcs):,.0f} rows/s, raw {np.median(raws):,.0f})", flush=True)

        proc, base = _start(tmp, store, args.threads, "behind")
        try:
            _wait_ready(base, proc)
            check = Client(base)
            status, text = check.post(arrow_path, arrow_body, arrow_in)
            answer = orjson.loads(text)
            assert status == 201 and np.allclose(answer["scores"], raw_fn(), atol=1e-5)
            assert answer["prediction_ids"] == [f"{answer['batch_id']}-{i}" for i in range(n)]
            status, text = check.post(arrow_path, arrow_body, arrow_both)
            table_out = ipc.open_stream(text).read_all()
            assert np.allclose(table_out.column("score").to_numpy(), raw_fn(), atol=1e-5)
            status, text = check.post("/v1/decision/predictions/batch", json_body, json_in)
            assert status == 201 and np.allclose(orjson.loads(text)["scores"], raw_fn(),
                                                 atol=1e-5)
            check.close()
            measure("arrow-json-1", [base], arrow_json)
            measure("arrow-json-2", [base] * 2, arrow_json)
            measure("arrow-arrow-2", [base] * 2, arrow_arrow)
            measure("json-json-2", [base] * 2, json_json, args.json_calls)
            lat_ms = singles(base)
            httpx_ms = singles_httpx(base)
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

        # The same with DECISION_PREDICTION_WRITE=sync: every batch committed in its request.
        proc, base = _start(tmp, store, args.threads, "sync")
        try:
            _wait_ready(base, proc)
            measure("sync-arrow-json-2", [base] * 2, arrow_json)
            sync_lat_ms = singles(base)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

        # One replica per core, as the Deployment runs them (DECISION_PREDICT_THREADS=1),
        # each with its own data directory; a connection to each, as a Service spreads them.
        replicas = [_start(tmp, store, 1, "behind", f"replica-{i}") for i in range(args.threads)]
        try:
            for proc, base in replicas:
                _wait_ready(base, proc)
            bases = [base for _, base in replicas]
            measure("replicas-arrow-json-1", bases, arrow_json)
            measure("replicas-arrow-json-2", bases * 2, arrow_json)
        finally:
            for proc, _ in replicas:
                proc.terminate()
            for proc, _ in replicas:
                proc.wait(timeout=30)

    def med(key: str, i: int) -> float:
        return float(np.median(results[key][i]))

    goal = med("arrow-json-2", 0)
    raw_med = float(np.median([r for v in results.values() for r in v[1]]))
    pct = {name: (float(np.percentile(v, 50)), float(np.percentile(v, 99)))
           for name, v in (("behind", lat_ms), ("httpx", httpx_ms), ("sync", sync_lat_ms),
                           ("raw", raw_lat_ms))}
    print(f"raw xgboost inplace_predict ({args.threads} threads): {raw_med:,.0f} rows/s "
          "(median of every raw block)")
    per_core = med("replicas-arrow-json-2", 0)
    print(f"batch goal >= 0.5 (Arrow body, JSON answer, written, 2 in flight per process): "
          f"{args.threads} single-core replicas: {per_core:.3f}: "
          f"{'met' if per_core >= 0.5 else 'NOT met'}; one process on {args.threads} cores: "
          f"{goal:.3f}: {'met' if goal >= 0.5 else 'NOT met'}; the replicas with one "
          f"connection each: {med('replicas-arrow-json-1', 0):.3f}")
    print(f"raw pred_contribs (explanations): {contrib_rate:,.0f} rows/s")
    p50, p99 = pct["behind"]
    print(f"single prediction with explanation over HTTP (write behind): p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms (goal p99 < 10 ms: {'met' if p99 < 10 else 'NOT met'}); "
          f"httpx client p99 {pct['httpx'][1]:.2f} ms; sync p99 {pct['sync'][1]:.2f} ms; "
          f"raw single-row pred_contribs p50 {pct['raw'][0]:.2f} ms, p99 {pct['raw'][1]:.2f} ms")
    total = time.perf_counter() - started
    print(f"total {total:.0f}s, load average {load_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end")

    if not args.no_readme:
        load = os.getloadavg()[0]
        rows_md = [
            (f"**Arrow IPC body, JSON answer, {args.threads} replicas of one core each "
             "(`DECISION_PREDICT_THREADS=1`, as deployed), 2 in flight to each**",
             "replicas-arrow-json-2"),
            (f"Arrow IPC body, JSON answer, {args.threads} replicas of one core each, 1 in "
             "flight to each", "replicas-arrow-json-1"),
            ("Arrow IPC body, JSON answer, one process, 1 in flight", "arrow-json-1"),
            ("**Arrow IPC body, JSON answer, one process, 2 in flight**", "arrow-json-2"),
            ("Arrow IPC body, Arrow answer (`Accept: application/vnd.apache.arrow.stream`), "
             "2 in flight", "arrow-arrow-2"),
            ("JSON `columns`+`rows` body, JSON answer, 2 in flight", "json-json-2"),
            ("Arrow IPC body, JSON answer, 2 in flight, `DECISION_PREDICTION_WRITE=sync`",
             "sync-arrow-json-2"),
        ]
        block = "\n".join([
            f"Last run: {datetime.now(UTC).date().isoformat()}, "
            f"`{' '.join(sys.argv[1:]) or 'defaults'}`, {os.cpu_count()} CPUs (load average "
            f"{load_start:.1f} at the start, {load:.1f} at the end: above the core count means "
            f"the machine was shared), {total:.0f} s in all. Model: {trees} trees of depth <= "
            f"{depth}, {len(names)} features; batches of {n:,} rows; {args.calls} batches per "
            f"timed block ({args.json_calls} for the JSON body), {args.pairs} raw/service "
            f"block pairs. Service with "
            "`DECISION_PREDICTION_WRITE=behind` (the default) unless noted; each service "
            "block is timed until every scored row is written.",
            "",
            "| path | service rows/s (median block) | raw rows/s (median block) | "
            "service / raw, median of pairs |",
            "| --- | ---: | ---: | ---: |",
            *[f"| {label} | {med(key, 2):,.0f} | {med(key, 1):,.0f} | {med(key, 0):.3f} |"
              for label, key in rows_md],
            f"| raw `Booster.inplace_predict`, {args.threads} threads (the limit) | | "
            f"{raw_med:,.0f} | 1.000 |",
            f"| raw `pred_contribs` (what `explain: true` costs) | | {contrib_rate:,.0f} | "
            f"{contrib_rate / raw_med:.3f} |",
            "",
            f"Single prediction with its explanation (`POST /v1/decision/predictions`, "
            f"{args.singles} sequential requests over HTTP, client-side time):",
            "",
            "| path | p50 ms | p99 ms |",
            "| --- | ---: | ---: |",
            f"| `behind` (default), `http.client` | {pct['behind'][0]:.2f} | "
            f"**{pct['behind'][1]:.2f}** |",
            f"| `behind`, `httpx` client (for reference) | {pct['httpx'][0]:.2f} | "
            f"{pct['httpx'][1]:.2f} |",
            f"| `sync` (commit inside the request), `http.client` | {pct['sync'][0]:.2f} | "
            f"{pct['sync'][1]:.2f} |",
            f"| raw single-row `DMatrix` + `Booster.predict(pred_contribs=True)`, one thread, "
            f"no HTTP | {pct['raw'][0]:.2f} | {pct['raw'][1]:.2f} |",
        ])
        write_results(README, block, title="decision_serving", heading="## Results")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
