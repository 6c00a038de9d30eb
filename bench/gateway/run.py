"""Gateway throughput and latency against nginx, in front of the same upstream, in one run.

Two upstreams, each measured the same way:

    fast upstream    : nginx answering a small JSON body (`return 200`), one worker;
                       what is measured is the proxies' own cost
    service upstream : a ShopMind service app (the platform's app factory with its
                       request-id, metrics and logging middleware, one uvicorn process)
                       answering the same body; what a deployed gateway sits in front of

and for each upstream:

    direct   : wrk -> upstream
    gateway  : wrk -> ShopMind gateway (one process, API key auth, rate limit on) -> upstream
    nginx    : wrk -> nginx reverse proxy (one worker, upstream keep-alive) -> upstream

Two phases per target: throughput at fixed concurrency (`--connections`, default 64)
and latency at concurrency 1, where the p50 difference to `direct` is the latency
the proxy adds. The gateway is also run with each alternative hot-path client in
front of the fast upstream, for the client choice. Gateway RSS is sampled from
/proc while it is under load.

Needs Debian's `nginx` and `wrk` (`apt-get install -y nginx wrk`).
Usage: python bench/gateway/run.py [--duration 10] [--connections 64] [--no-readme]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from shopmind_common.benchmarks import write_results

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
MARK_BEGIN = "<!-- bench:gateway:begin -->"
MARK_END = "<!-- bench:gateway:end -->"
PATH = "/v1/nlp/ping"


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, headers: dict[str, str] | None = None, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 within {timeout_s}s")
        time.sleep(0.2)


def nginx_conf(workdir: Path, port: int, body: str, upstream_port: int) -> str:
    upstream = (
        f"upstream backend {{ server 127.0.0.1:{upstream_port}; keepalive 128; }}"
        if upstream_port
        else ""
    )
    return f"""
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body;
  proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi;
  uwsgi_temp_path {workdir}/uwsgi;
  scgi_temp_path {workdir}/scgi;
  keepalive_requests 1000000;
  {upstream}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    {body}
  }}
}}
"""


def start_nginx(
    workdir: Path, port: int, body: str, upstream_port: int = 0
) -> subprocess.Popen[bytes]:
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o777)  # workers may run as nobody
    conf = workdir / "nginx.conf"
    conf.write_text(nginx_conf(workdir, port, body, upstream_port))
    return subprocess.Popen(
        ["nginx", "-p", str(workdir), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def create_key(data_dir: Path) -> str:
    from shopmind_common.db import Database
    from shopmind_gateway.keys.service import KeyService

    async def make() -> str:
        db = Database(f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}")
        keys = KeyService(db)
        await keys.create_schema()
        created = await keys.create("bench", ["nlp:read"])
        await db.dispose()
        return created.key

    return asyncio.run(make())


def start_gateway(
    port: int, upstream_port: int, data_dir: Path, client: str
) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP", "NEO4J_URI")
    }
    env.update(
        {
            "SHOPMIND_ENV": "test",
            "GATEWAY_AUTH": "on",
            "LOG_LEVEL": "WARNING",
            "SHOPMIND_INTERNAL_SECRET": "bench-internal-secret-bench-internal",
            "SHOPMIND_DATA_DIR": str(data_dir),
            "SHOPMIND_SERVICE_URLS": json.dumps({"nlp": f"http://127.0.0.1:{upstream_port}"}),
            "GATEWAY_UPSTREAM_CLIENT": client,
            "GATEWAY_RATE_LIMIT_PER_S": "1000000",
            "GATEWAY_RATE_LIMIT_BURST": "1000000",
        }
    )
    code = (
        "import uvicorn; from shopmind_gateway.main import create_app; "
        f"uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning', "
        "access_log=False)"
    )
    return subprocess.Popen([sys.executable, "-c", code], env=env)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)$", text)
    if not m:
        raise ValueError(f"unparsed latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(
    name: str, url: str, connections: int, duration_s: int, headers: dict[str, str]
) -> Result:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return Result(name, rps, p50, p99, errors)


class RssSampler:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while not self._stop.is_set():
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.2)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM if proc.args[0] != "nginx" else signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def table(rows: list[Result]) -> str:
    lines = [
        "| target | requests/s | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.3f} | {r.p99_ms:.3f} | {r.errors} |" for r in rows
    ]
    return "\n".join(lines)


SERVICE_UPSTREAM = """
import sys
import uvicorn
from fastapi import APIRouter
from shopmind_common.app import create_service_app
from shopmind_common.settings import ServiceSettings

router = APIRouter()


@router.get("{path}")
async def ping() -> dict[str, bool]:
    return {{"ok": True}}


app = create_service_app(
    name="nlp", version="bench", settings=ServiceSettings(service_name="nlp"), routers=[router]
)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def start_service_upstream(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    """A ShopMind service app (the platform's app factory) answering `PATH`."""
    env = {
        **os.environ,
        "SHOPMIND_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "SHOPMIND_DATA_DIR": str(data_dir),
    }
    code = SERVICE_UPSTREAM.format(path=PATH)
    return subprocess.Popen([sys.executable, "-c", code, str(port)], env=env)


@dataclass
class Measured:
    upstream: str
    throughput: list[Result]
    latency: list[Result]
    peak_rss_kb: int

    def by(self, name: str) -> Result:
        return next(r for r in self.throughput if r.name == name)

    def lat(self, name: str) -> Result:
        return next(r for r in self.latency if r.name == name)


def measure(
    upstream: str,
    up_port: int,
    root: Path,
    key: str,
    clients: list[str],
    args: argparse.Namespace,
) -> Measured:
    """direct, nginx and the gateway (one per hot-path client) in front of one upstream."""
    procs: list[subprocess.Popen[bytes]] = []
    auth = {"X-API-Key": key}
    try:
        nginx_port = free_port()
        procs.append(
            start_nginx(
                root / f"proxy-{re.sub(r'[^a-z0-9]+', '-', upstream.lower())}",
                nginx_port,
                "location / { proxy_pass http://backend; proxy_http_version 1.1; "
                'proxy_set_header Connection ""; }',
                upstream_port=up_port,
            )
        )
        targets: list[tuple[str, int, dict[str, str], subprocess.Popen[bytes] | None]] = [
            ("direct", up_port, {}, None),
            ("nginx", nginx_port, {}, None),
        ]
        for client in clients:
            port = free_port()
            proc = start_gateway(port, up_port, root, client)
            procs.append(proc)
            name = "gateway" if client == clients[0] else f"gateway ({client} client)"
            targets.append((name, port, auth, proc))
        for _, port, headers, _ in targets:
            wait_http(f"http://127.0.0.1:{port}{PATH}", headers)
        throughput: list[Result] = []
        latency: list[Result] = []
        peak_rss_kb = 0
        c = args.connections
        for name, port, headers, proc in targets:
            url = f"http://127.0.0.1:{port}{PATH}"
            # Warm up connection pools and code paths before measuring.
            run_wrk(name, url, c, 1, headers)
            if name == "gateway" and proc is not None:
                with RssSampler(proc.pid) as sampler:
                    throughput.append(run_wrk(name, url, c, args.duration, headers))
                peak_rss_kb = sampler.peak_kb
            else:
                throughput.append(run_wrk(name, url, c, args.duration, headers))
            if not name.endswith(" client)"):
                latency.append(run_wrk(name, url, 1, args.latency_duration, headers))
    finally:
        for proc in reversed(procs):
            stop(proc)
    return Measured(upstream, throughput, latency, peak_rss_kb)


def summary(m: Measured) -> list[str]:
    ratio = m.by("gateway").rps / m.by("nginx").rps
    added_gw = m.lat("gateway").p50_ms - m.lat("direct").p50_ms
    added_nginx = m.lat("nginx").p50_ms - m.lat("direct").p50_ms
    lines = [
        f"- gateway / nginx throughput: **{ratio:.2f}** (goal >= 0.5)",
        f"- gateway-added p50 latency: **{added_gw:.3f} ms** (goal < 1 ms); "
        f"nginx adds {added_nginx:.3f} ms",
        f"- gateway peak RSS under load: **{m.peak_rss_kb / 1024:.0f} MB** (goal < 300 MB)",
    ]
    base = m.by("gateway")
    for r in m.throughput:
        if r.name.endswith(" client)"):
            lines.append(
                f"- hot-path client: default {base.rps:,.0f} req/s vs {r.name} "
                f"{r.rps:,.0f} req/s (**{base.rps / r.rps:.1f}x**)"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per throughput run")
    parser.add_argument(
        "--latency-duration", type=int, default=5, help="seconds per concurrency-1 run"
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--clients",
        default="h1,aiohttp,httpx",
        help="hot-path clients to compare in front of the fast upstream; the first is the default",
    )
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md")
    args = parser.parse_args()

    missing = [tool for tool in ("nginx", "wrk") if shutil.which(tool) is None]
    if missing:
        print(
            f"bench/gateway needs {' and '.join(missing)} on PATH; on Debian: "
            f"apt-get install -y nginx wrk",
            file=sys.stderr,
        )
        return 2

    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    load_before = os.getloadavg()[0]
    results: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="shopmind-bench-gw-") as tmp:
        root = Path(tmp)
        key = create_key(root)
        fast_port, service_port = free_port(), free_port()
        fast = start_nginx(
            root / "upstream",
            fast_port,
            "location / { default_type application/json; return 200 '{\"ok\":true}'; }",
        )
        try:
            results.append(measure("fast upstream (nginx return 200)", fast_port, root, key,
                                   clients, args))
        finally:
            stop(fast)
        service = start_service_upstream(service_port, root)
        try:
            results.append(measure("service upstream (ShopMind app factory, uvicorn)",
                                   service_port, root, key, clients[:1], args))
        finally:
            stop(service)

    load_after = os.getloadavg()[0]
    lines = [
        f"Run: {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}), Python {platform.python_version()}, "
        f"wrk -t1, {args.duration}s per throughput run, {args.latency_duration}s per latency run; "
        f"1-minute load average {load_before:.1f} before, {load_after:.1f} after "
        "(other work on the machine shares its CPUs).",
    ]
    for m in results:
        lines += [
            "",
            f"### {m.upstream}",
            "",
            f"Throughput at {args.connections} connections:",
            "",
            table(m.throughput),
            "",
            "Latency at 1 connection:",
            "",
            table(m.latency),
            "",
            *summary(m),
        ]
    section = "\n".join(lines)
    print(section)
    if any(r.errors for m in results for r in m.throughput + m.latency):
        print("WARNING: some requests failed (see the errors column)", file=sys.stderr)
    if not args.no_readme:
        write_results(README, section, title="Gateway benchmark", begin=MARK_BEGIN,
                      end=MARK_END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
