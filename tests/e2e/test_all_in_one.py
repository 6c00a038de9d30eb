"""`shopmind run`: the whole suite in one process, on embedded defaults."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SERVICES = {"projects", "docgen", "kg", "nlp", "decision", "devassist"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_shopmind_run_serves_healthz_with_every_service(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"KAFKA_BOOTSTRAP", "NEO4J_URI", "DATABASE_URL", "REDIS_URL"}
    }
    env.update(SHOPMIND_DATA_DIR=str(tmp_path), SHOPMIND_CACHE_DIR=str(tmp_path / "cache"))
    exe = Path(sys.executable).with_name("shopmind")
    proc = subprocess.Popen(
        [str(exe), "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        start = time.monotonic()
        first_answer = None
        body: dict = {}
        while time.monotonic() - start < 240:  # models may finish loading in the background
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            except httpx.TransportError:
                assert proc.poll() is None, "shopmind run exited early"
                time.sleep(0.5)
                continue
            first_answer = first_answer or time.monotonic() - start
            body = resp.json()
            if resp.status_code == 200 and body["status"] == "ok":
                break
            time.sleep(1)
        assert first_answer is not None and first_answer < 60, "no /healthz answer within 60 s"
        assert set(body["services"]) == SERVICES
        assert {s["status"] for s in body["services"].values()} == {"up"}, body
        assert resp.status_code == 200
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    # uvicorn re-raises SIGTERM after a graceful shutdown, so -15 is a clean stop too;
    # what matters is that every service's lifespan (consumers, relays) was drained.
    logs = out.decode(errors="replace")
    assert proc.returncode in (0, -15), logs[-3000:]
    assert "suite stopped: every service drained" in logs, logs[-3000:]
