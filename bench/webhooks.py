"""`leadscore serve` on loopback: acks/s and latency, kill -9 durability, coalescing, event->write.

Run: .venv/bin/python -m bench.webhooks [--runs 3] [--backends sqlite,postgresql]
         [--senders 50] [--events 6000] [--client-processes 2]
         [--load-generator wrk|python] [--seconds 10] [--receivers 1,2]
         [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

The real server runs as a subprocess on 127.0.0.1 with the local-files adapter (inputs written
to a temporary folder by bench.sync_local); PostgreSQL stores live in a schema of their own,
dropped afterwards. Requests are signed (Standard Webhooks) before the clock starts.

Acks/s and latency are measured with wrk (Debian's `wrk`, C) posting pre-signed requests for
`--seconds`: on a 2-core machine a Python load generator takes most of the core the server
needs. `--load-generator python` (the default without wrk) uses asyncio clients in
`--client-processes` processes; the kill -9 and coalescing runs always do, since they need
each acknowledged event id. `--receivers 1,2` measures one receiver, then two on the same
PostgreSQL store (as two replicas behind a load balancer would run), each with its own wrk.
The same wrk load on bench.bare_receiver (uvicorn and Starlette alone, nothing verified or
stored) comes first: the yardstick of this machine, each figure quoted as a share of it.
Targets (issue 13): >= 2,000 acks/s with 50 senders, p99 < 50 ms; every acked event durable
after kill -9; 10,000 events for 1,000 leads -> exactly 1,000 rescorings. Each figure is the
median of `--runs` runs (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import csv
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from standardwebhooks.webhooks import Webhook

from bench.sync_local import write_inputs
from connector.state.schema import rescore_queue, webhook_events

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"leadscore webhook bench secret!!").decode()
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LEADS = 1_000
NEVER = "86400"  # coalesce_seconds that keeps the worker out of a measurement
STARTUP_SECONDS = 30.0
WRK_SCRIPT = Path(__file__).with_name("wrk_post.lua")
WRK_THREADS = 2
#: Requests signed per second of a wrk run: more than one receiver process can acknowledge.
WRK_CEILING = 6_000


# -- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    """A running `leadscore serve` subprocess."""

    process: subprocess.Popen[bytes]
    base: str

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_stored(server: Server, count: int) -> None:
    """Until the server's /metrics says `count` events are stored."""
    deadline = time.monotonic() + STARTUP_SECONDS * 4
    while time.monotonic() < deadline:
        page = httpx.get(f"{server.base}/metrics", timeout=10).text
        stored = [
            float(line.split()[-1])
            for line in page.splitlines()
            if line.startswith('leadscore_webhook_events_stored_total{source="generic"}')
        ]
        if stored and stored[0] >= count:
            return
        time.sleep(0.05)
    raise SystemExit(f"fewer than {count} events stored in time")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(config: Path, state_url: str, coalesce: str) -> Iterator[Server]:
    """`leadscore serve` on a free port until the block ends (SIGTERM, or already killed)."""
    env = os.environ | {
        "LEADSCORE_WEBHOOKS__SECRET": SECRET,
        "LEADSCORE_WEBHOOKS__COALESCE_SECONDS": coalesce,
        "LEADSCORE_STATE__URL": state_url,
    }
    command = [sys.executable, "-m", "connector", "serve", "--config", str(config), "--port"]
    with _running(command, env, config.parent / "serve.log") as server:
        yield server


@contextmanager
def serving_framework_alone(folder: Path) -> Iterator[Server]:
    """bench.bare_receiver (uvicorn and Starlette, nothing stored) on a free port."""
    command = [sys.executable, "-m", "bench.bare_receiver"]
    with _running(command, dict(os.environ), folder / "bare.log") as server:
        yield server


@contextmanager
def _running(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[Server]:
    """`command` + a free port as a subprocess, until the block ends; ready once /readyz is."""
    port = _free_port()
    log = log_path.open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [*command, str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the receiver exited with {server.process.returncode}")
        try:
            if httpx.get(f"{server.base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the receiver did not become ready")


# -- state stores ----------------------------------------------------------------------------


@contextmanager
def fresh_store(backend: str, folder: Path, postgres: str) -> Iterator[str]:
    """The URL of an empty state store: a new SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{(folder / f'state-{uuid.uuid4().hex[:8]}.db').as_posix()}"
        return
    schema = f"bench_webhooks_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(postgres).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def stored(state_url: str) -> tuple[set[str], int]:
    """The event ids the store accepted, and how many leads its queue holds."""
    engine = create_engine(state_url)
    try:
        with engine.connect() as connection:
            ids = set(connection.execute(select(webhook_events.c.event_id)).scalars())
            depth = connection.execute(select(func.count()).select_from(rescore_queue))
            return ids, int(depth.scalar_one())
    finally:
        engine.dispose()


# -- the senders -----------------------------------------------------------------------------


def signed(count: int, tag: str, leads: int = LEADS) -> list[tuple[str, str, dict[str, str]]]:
    """`count` requests of one lead each, signed now: (event id, body, headers)."""
    webhook, now = Webhook(SECRET), datetime.now(UTC)
    return [sign(webhook, now, f"{tag}-{n}", f"L{n % leads:07d}") for n in range(count)]


def sign(
    webhook: Webhook, at: datetime, message_id: str, lead_id: str
) -> tuple[str, str, dict[str, str]]:
    """One Standard Webhooks request naming `lead_id`: (event id, body, headers)."""
    body = json.dumps({"lead_ids": [lead_id]})
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": webhook.sign(message_id, at, body),
        "content-type": "application/json",
    }
    return f"{message_id}:{lead_id}", body, headers


def _raw(host: str, path: str, body: str, headers: dict[str, str]) -> bytes:
    """The whole HTTP/1.1 request, built before the clock starts."""
    encoded = body.encode()
    lines = [f"POST {path} HTTP/1.1", f"host: {host}", f"content-length: {len(encoded)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + encoded


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response off a kept-alive connection; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _send_all(url: str, requests: list[list[object]], senders: int) -> dict[str, object]:
    """Post every request from `senders` kept-alive connections; latencies and acked ids.

    A bare asyncio HTTP/1.1 client on pre-built requests: httpx's own per-request work
    (about 1 ms of CPU) would make the sender, not the server, the limit.
    """
    target = httpx.URL(url)
    latencies: list[float] = []
    acked: list[str] = []
    errors = 0
    host = f"{target.host}:{target.port}"
    prepared = [
        (str(event_id), _raw(host, target.path, str(body), headers))  # type: ignore[arg-type]
        for event_id, body, headers in requests
    ]
    pending = iter(prepared)  # shared by the senders: each request is sent once

    async def sender() -> None:
        nonlocal errors
        try:
            reader, writer = await asyncio.open_connection(target.host, target.port)
        except OSError:
            errors += 1
            return
        try:
            for event_id, raw in pending:
                started = time.perf_counter()
                try:
                    writer.write(raw)
                    status = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError):
                    errors += 1
                    return  # the server is gone (kill -9): this sender stops
                if status == 202:
                    latencies.append(time.perf_counter() - started)
                    acked.append(event_id)
                else:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    wall = time.perf_counter() - started
    cpu = time.process_time()
    return {"latencies": latencies, "acked": acked, "errors": errors, "wall": wall, "cpu": cpu}


def client_main(job: Path) -> None:
    """A client process: read the job, send, write the results next to it."""
    spec = json.loads(job.read_text())
    result = asyncio.run(_send_all(spec["url"], spec["requests"], spec["senders"]))
    job.with_suffix(".out").write_text(json.dumps(result))


@dataclass
class Load:
    """What the senders saw."""

    wall: float
    latencies: list[float]
    acked: set[str]
    errors: int
    client_cpu: float
    server_cpu: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Acknowledged events per second."""
        return len(self.acked) / self.wall if self.wall else 0.0

    def percentile(self, fraction: float) -> float:
        """A latency percentile in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)] * 1000


@dataclass
class Acks:
    """One acks/s measurement, whichever load generator made it."""

    rate: float
    p50_ms: float
    p99_ms: float
    acked: int
    errors: int
    wall: float
    server_cpu: float
    client_cpu: float

    @classmethod
    def of(cls, load: Load) -> Acks:
        """The figures of the Python senders' run."""
        return cls(load.rate, load.percentile(0.50), load.percentile(0.99), len(load.acked),
                   load.errors, load.wall, load.server_cpu, load.client_cpu)  # fmt: skip


def write_wrk_requests(
    folder: Path, url: str, requests: list[tuple[str, str, dict[str, str]]]
) -> Path:
    """The requests as wrk_post.lua reads them, a file per wrk thread; the files' prefix."""
    target = httpx.URL(url)
    host, prefix = f"{target.host}:{target.port}", folder / f"wrk-{uuid.uuid4().hex[:8]}"
    for thread in range(WRK_THREADS):
        lines = []
        for _, body, headers in requests[thread::WRK_THREADS]:
            raw = _raw(host, target.path, body, headers).decode()
            if "\t" in raw or "\n" in raw.replace("\r\n", ""):
                raise SystemExit("a request with a tab or a bare newline: wrk_post.lua drops it")
            lines.append(raw.replace("\r\n", "\t"))
        Path(f"{prefix}.{thread + 1}").write_text("\n".join(lines) + "\n")
    return prefix


def run_wrk(url: str, prefix: Path, senders: int, seconds: int) -> dict[str, int]:
    """wrk posting the pre-signed requests from `senders` connections; its JSON summary."""
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(senders), "-d", f"{seconds}s"]
    command += ["--timeout", "10s", "-s", str(WRK_SCRIPT), url, "--", str(prefix)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    summary: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def _summed(summaries: list[dict[str, int]], server_cpu: float, client_cpu: float) -> Acks:
    """The wrk runs of one measurement as one: rates added, the worst p50 and p99."""
    if any(summary["repeated"] for summary in summaries):
        raise SystemExit("wrk ran out of its signed requests: raise WRK_CEILING")
    wall = max(summary["duration_us"] for summary in summaries) / 1e6
    errors = sum(summary["non_2xx"] + summary["socket_errors"] for summary in summaries)
    acked = sum(summary["requests"] - summary["non_2xx"] for summary in summaries)
    p50 = max(summary["p50_us"] for summary in summaries) / 1000
    p99 = max(summary["p99_us"] for summary in summaries) / 1000
    return Acks(acked / wall, p50, p99, acked, errors, wall, server_cpu, client_cpu)


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def start_clients(
    folder: Path,
    url: str,
    requests: list[tuple[str, str, dict[str, str]]],
    senders: int,
    procs: int,
) -> list[tuple[subprocess.Popen[bytes], Path]]:
    """Start `procs` client processes sharing `senders` connections and the requests."""
    started = []
    for index in range(procs):
        job = folder / f"client-{uuid.uuid4().hex[:8]}.json"
        share = requests[index::procs]
        job.write_text(json.dumps({"url": url, "requests": share, "senders": senders // procs}))
        command = [sys.executable, "-m", "bench.webhooks", "--client", str(job)]
        started.append((subprocess.Popen(command, cwd=ROOT), job))  # noqa: S603
    return started


def gather(clients: list[tuple[subprocess.Popen[bytes], Path]]) -> Load:
    """Wait for the clients; their results combined (wall: the slowest client)."""
    results = []
    for process, job in clients:
        process.wait()
        results.append(json.loads(job.with_suffix(".out").read_text()))
    return Load(
        wall=max(r["wall"] for r in results),
        latencies=[x for r in results for x in r["latencies"]],
        acked={x for r in results for x in r["acked"]},
        errors=sum(r["errors"] for r in results),
        client_cpu=sum(r["cpu"] for r in results),
    )


# -- the measurements ------------------------------------------------------------------------


@dataclass
class Bench:
    """Where the inputs are and how to load the server."""

    folder: Path
    config: Path
    postgres: str
    senders: int
    events: int
    procs: int
    generator: str = "python"
    seconds: int = 10
    receivers: tuple[int, ...] = (1,)

    def _senders(
        self, server: Server, requests: list[tuple[str, str, dict[str, str]]]
    ) -> list[tuple[subprocess.Popen[bytes], Path]]:
        """The sender processes, started on the server's generic endpoint."""
        url = f"{server.base}/webhooks/generic"
        return start_clients(self.folder, url, requests, self.senders, self.procs)

    def ack(self, backend: str, receivers: int = 1) -> Acks:
        """Acks/s and latency, the worker kept out by a long coalescing delay."""
        if self.generator == "wrk":
            return self.ack_wrk(backend, receivers)
        if receivers != 1:
            raise SystemExit("several receivers are measured with wrk only: install wrk")
        requests = signed(self.events, f"ack-{uuid.uuid4().hex[:6]}")
        with (
            fresh_store(backend, self.folder, self.postgres) as url,
            serving(self.config, url, NEVER) as server,
        ):
            before = server.cpu_seconds()
            clients = self._senders(server, requests)
            load = gather(clients)
            load.server_cpu = server.cpu_seconds() - before
        return Acks.of(load)

    def ack_wrk(self, backend: str, receivers: int = 1) -> Acks:
        """The same with wrk for `seconds`, every request a new event (signed beforehand).

        With several receivers (replicas on one store, as behind a load balancer) each gets
        its own wrk and a share of the senders; the figures are their sums.
        """
        with fresh_store(backend, self.folder, self.postgres) as url, ExitStack() as stack:
            servers = [
                stack.enter_context(serving(self.config, url, NEVER)) for _ in range(receivers)
            ]
            endpoints = [f"{server.base}/webhooks/generic" for server in servers]
            share = WRK_CEILING * self.seconds // receivers  # requests signed per receiver
            prefixes = [
                write_wrk_requests(
                    self.folder, endpoint, signed(share, f"wrk-{uuid.uuid4().hex[:6]}")
                )
                for endpoint in endpoints
            ]
            server_before, client_before = sum(s.cpu_seconds() for s in servers), _children_cpu()
            senders = self.senders // receivers
            with ThreadPoolExecutor(receivers) as pool:
                runs = [
                    pool.submit(run_wrk, endpoint, prefix, senders, self.seconds)
                    for endpoint, prefix in zip(endpoints, prefixes, strict=True)
                ]
                summaries = [run.result() for run in runs]
            server_cpu = sum(s.cpu_seconds() for s in servers) - server_before
            client_cpu = _children_cpu() - client_before
        return _summed(summaries, server_cpu, client_cpu)

    def framework_alone(self) -> Acks:
        """The same wrk load on bench.bare_receiver: the machine's yardstick."""
        with serving_framework_alone(self.folder) as server:
            endpoint = f"{server.base}/webhooks/generic"
            requests = signed(WRK_CEILING * self.seconds * 2, f"bare-{uuid.uuid4().hex[:6]}")
            prefix = write_wrk_requests(self.folder, endpoint, requests)
            server_before, client_before = server.cpu_seconds(), _children_cpu()
            summary = run_wrk(endpoint, prefix, self.senders, self.seconds)
            server_cpu = server.cpu_seconds() - server_before
        return _summed([summary], server_cpu, _children_cpu() - client_before)

    def kill9(self, backend: str) -> dict[str, int]:
        """kill -9 mid-load: every acknowledged event must be in the store."""
        requests = signed(self.events, f"kill-{uuid.uuid4().hex[:6]}")
        with fresh_store(backend, self.folder, self.postgres) as url:
            with serving(self.config, url, NEVER) as server:
                clients = self._senders(server, requests)
                _wait_stored(server, self.events // 4)  # well inside the load
                server.process.send_signal(signal.SIGKILL)
                server.process.wait()
                load = gather(clients)
            ids, depth = stored(url)
        lost = load.acked - ids
        return {"acked": len(load.acked), "stored": len(ids), "queued_leads": depth} | {
            "acked_not_stored": len(lost)
        }

    def coalesce(self, backend: str, count: int = 10_000) -> dict[str, int]:
        """`count` events for LEADS leads, then the worker drains: how many rescorings."""
        requests = signed(count, f"co-{uuid.uuid4().hex[:6]}")
        with fresh_store(backend, self.folder, self.postgres) as url:
            with serving(self.config, url, NEVER) as server:
                clients = self._senders(server, requests)
                load = gather(clients)
            _, depth = stored(url)
            drained = self._worker_once(url)
        return {"events_acked": len(load.acked), "queued_leads": depth} | {
            "rescored": int(str(drained["rescored"])),
            "still_queued": int(str(drained["queue_depth"])),
        }

    def _worker_once(self, url: str) -> dict[str, object]:
        env = os.environ | {"LEADSCORE_WEBHOOKS__COALESCE_SECONDS": "0"}
        env |= {"LEADSCORE_STATE__URL": url}
        command = [sys.executable, "-m", "connector", "worker", "--once", "--json"]
        done = subprocess.run(  # noqa: S603
            [*command, "--config", str(self.config)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def event_to_write(self, backend: str, count: int = 40) -> list[float]:
        """Seconds from a signed post to its lead's row in scores.csv, one event at a time."""
        scores = self.config.parent / "out" / "scores.csv"
        latencies = []
        with (
            fresh_store(backend, self.folder, self.postgres) as url,
            serving(self.config, url, "0") as server,
            httpx.Client() as client,
        ):
            for lead_id, body, headers in _one_lead_each(count):
                started = time.perf_counter()
                client.post(f"{server.base}/webhooks/generic", content=body, headers=headers)
                while not _has_row(scores, lead_id):
                    if time.perf_counter() - started > STARTUP_SECONDS:
                        raise SystemExit(f"{lead_id} never reached scores.csv")
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - started)
        scores.unlink(missing_ok=True)
        return latencies


def _one_lead_each(count: int) -> Iterator[tuple[str, str, dict[str, str]]]:
    """Requests for `count` distinct leads, each signed just before it is sent: (lead, ...)."""
    webhook, tag = Webhook(SECRET), uuid.uuid4().hex[:8]
    for number in range(count):
        lead_id = f"L{(number * 17) % LEADS:07d}"
        _, body, headers = sign(webhook, datetime.now(UTC), f"w-{tag}-{number}", lead_id)
        yield lead_id, body, headers


def _has_row(scores: Path, lead_id: str) -> bool:
    try:
        with scores.open(encoding="utf-8-sig", newline="") as handle:
            return any(row["lead_id"] == lead_id for row in csv.DictReader(handle))
    except FileNotFoundError:
        return False


# -- the report ------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    """The median (the machine is shared: the middle run, not the best)."""
    return statistics.median(values)


def report_ack(backend: str, runs: list[Acks], senders: int) -> float:
    """Print the ack figures of a backend; the median rate."""
    rate = median([run.rate for run in runs])
    p50 = median([run.p50_ms for run in runs])
    p99 = median([run.p99_ms for run in runs])
    server = median([run.server_cpu / run.wall for run in runs])
    client = median([run.client_cpu / run.wall for run in runs])
    errors = sum(run.errors for run in runs)
    # CPU per ack is what a busy shared machine changes least: 1000 / it = acks/s per core.
    per_ack = median([run.server_cpu * 1000 / max(run.acked, 1) for run in runs])
    print(
        f"{backend:<10} {rate:8.0f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"server CPU {server:4.0%} ({per_ack:.2f} ms/ack, ~{1000 / per_ack:,.0f}/s per free core)  "
        f"load generator CPU {client:4.0%}  errors {errors}  "
        f"(runs: {', '.join(f'{run.rate:.0f}' for run in runs)}; {senders} senders)",
        flush=True,
    )
    return rate


def main() -> None:
    """Parse the arguments, write the inputs, run each measurement `--runs` times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--events", type=int, default=6_000)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--load-generator", choices=("wrk", "python"),
                        default="wrk" if shutil.which("wrk") else "python")  # fmt: skip
    parser.add_argument("--seconds", type=int, default=10, help="length of a wrk run")
    parser.add_argument("--receivers", default="1,2",
                        help="receiver processes on one store, as replicas (wrk only)")  # fmt: skip
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--only", default="ack,kill9,coalesce,write")
    parser.add_argument("--client", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args.client)
        return
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-webhooks-") as name:
        folder = Path(name)
        config = write_inputs(folder, LEADS, 5 * LEADS)
        receivers = tuple(int(count) for count in args.receivers.split(","))
        if args.load_generator == "python":
            receivers = (1,)
        bench = Bench(folder, config, args.postgres_url, args.senders, args.events,
                      args.client_processes, args.load_generator, args.seconds,
                      receivers)  # fmt: skip
        print(f"leadscore serve on 127.0.0.1, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        run_all(bench, args.backends.split(","), args.runs, only)


def _generator(bench: Bench) -> str:
    """The load generator of the acks runs, in words."""
    if bench.generator == "wrk":
        return f"wrk for {bench.seconds} s, {WRK_THREADS} threads, a new signed event each request"
    return f"{bench.events:,} signed events from {bench.procs} Python client processes"


def run_all(bench: Bench, backends: list[str], runs: int, only: set[str]) -> None:
    """Every measurement on every backend, each `runs` times, printed as it finishes."""
    if "ack" in only:
        print(f"\n== acks: {bench.senders} senders, {_generator(bench)} (median of {runs}) ==")
        yardstick = None
        if bench.generator == "wrk":
            alone = [bench.framework_alone() for _ in range(runs)]
            yardstick = report_ack("framework alone (nothing stored)", alone, bench.senders)
        for backend in backends:
            # Replicas share a PostgreSQL store only: a SQLite state is for one container.
            counts = bench.receivers if backend == "postgresql" else (1,)
            for receivers in counts:
                label = backend if receivers == 1 else f"{backend}, {receivers} receivers"
                rate = report_ack(label, [bench.ack(backend, receivers) for _ in range(runs)],
                                  bench.senders)  # fmt: skip
                if yardstick:
                    print(f"{'':<10} = {rate / yardstick:.0%} of the framework alone", flush=True)
    if "kill9" in only:
        print("\n== kill -9 mid-load: acked events that are not in the store must be 0 ==")
        for backend in backends:
            for _ in range(runs):
                print(f"{backend:<10} {bench.kill9(backend)}", flush=True)
    if "coalesce" in only:
        print(f"\n== 10,000 events for {LEADS:,} leads, then `leadscore worker --once` ==")
        for backend in backends:
            print(f"{backend:<10} {bench.coalesce(backend)}", flush=True)
    if "write" in only:
        print("\n== event -> scores.csv row (coalesce_seconds=0, worker inside serve) ==")
        for backend in backends:
            runs_ms = [[x * 1000 for x in bench.event_to_write(backend)] for _ in range(runs)]
            p50 = median([median(r) for r in runs_ms])
            p99 = median([sorted(r)[min(int(len(r) * 0.99), len(r) - 1)] for r in runs_ms])
            print(f"{backend:<10} median {p50:7.0f} ms  p99 {p99:7.0f} ms", flush=True)


if __name__ == "__main__":
    main()
