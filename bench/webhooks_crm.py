"""Event -> CRM write with the fake HubSpot portal: a signed contact change to its score there.

Run: .venv/bin/python -m bench.webhooks_crm [--events 30] [--contacts 1000]
         [--backends sqlite,postgresql] [--coalesce 0,5]
         [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

What `leadscore serve` runs, in one process: the receiver under uvicorn on 127.0.0.1, its
worker thread and the real HubSpot adapter, whose calls the fake portal (tests/fakes, through
respx) answers. Each event is a `contact.propertyChange` HubSpot signs with v3, posted to
/webhooks/hubspot for a contact not scored yet; the clock stops when the portal holds that
contact's `leadscore_score`. Events go out at random moments (0.2 to 1.2 s after the last
write), as a CRM sends them, not in step with the worker's loop. The fake's own CPU time
(HubSpot's servers in real life) is inside the figures, on this process's core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import respx
import uvicorn

from adapters.hubspot.webhooks import signature_v3
from bench.hubspot_calls import seed
from bench.webhooks import DEFAULT_POSTGRES, SECRET, fresh_store
from connector.compose import build_adapter, crm_webhook, load_settings, open_state
from connector.config import CoreSettings
from connector.webhooks import create_app, store_ready, store_sink
from connector.webhooks.crm import CrmEndpoint
from connector.webhooks.server import server_config
from connector.worker import Worker
from tests.fakes.hubspot import FakePortal

ROOT = Path(__file__).resolve().parent.parent
APP_SECRET = "bench-hubspot-app-secret"  # noqa: S105 - the fake app's client secret
TOKEN = "test-token"  # noqa: S105 - the fake portal's token
POLL_SECONDS = 1.0  # the worker's idle poll, as in `leadscore serve`
DEADLINE_SECONDS = 30.0


def write_config(folder: Path) -> Path:
    """config.example.toml on the HubSpot adapter with the shipped mapping."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    mapping = (ROOT / "mappings" / "hubspot.toml").as_posix()
    text = text.replace('adapter = "csv"', 'adapter = "hubspot"')
    text = text.replace('mapping = "mappings/csv.toml"', f'mapping = "{mapping}"')
    path = folder / "leadscore.toml"
    path.write_text(text, encoding="utf-8")
    return path


def settings_for(config: Path, state_url: str, port: int, coalesce: int) -> CoreSettings:
    """The settings `serve` would load with these environment variables."""
    os.environ |= {
        "LEADSCORE_HUBSPOT__ACCESS_TOKEN": TOKEN,
        "LEADSCORE_HUBSPOT__EVENTS_API": "true",
        "LEADSCORE_HUBSPOT__WEBHOOK_SECRET": APP_SECRET,
        "LEADSCORE_WEBHOOKS__SECRET": SECRET,
        "LEADSCORE_WEBHOOKS__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LEADSCORE_WEBHOOKS__COALESCE_SECONDS": str(coalesce),
        "LEADSCORE_STATE__URL": state_url,
    }
    return load_settings(config)


@contextmanager
def serving(settings: CoreSettings, sock: socket.socket) -> Iterator[None]:
    """The receiver and its worker, as `leadscore serve` composes them, until the block ends."""
    hook = crm_webhook(settings)
    assert hook is not None
    crm = CrmEndpoint(hook.name, hook.section, hook.support)
    with open_state(settings) as store:
        worker = Worker(settings, store, lambda: build_adapter(settings, lambda problem: None))
        sink = store_sink(store, on_stored=worker.doorbell.set)
        app = create_app(settings, sink, store_ready(store), crm=crm)
        stop = threading.Event()
        server = uvicorn.Server(server_config(app, "127.0.0.1", sock.getsockname()[1]))
        threads = [
            threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True),
            threading.Thread(target=worker.run, args=(stop, POLL_SECONDS), daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            _until(lambda: server.started)
            yield
        finally:
            server.should_exit = True
            stop.set()
            for thread in threads:
                thread.join(DEADLINE_SECONDS)


def _until(condition: object) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.002)


def signed_change(url: str, number: int, contact: str) -> tuple[bytes, dict[str, str]]:
    """A contact.propertyChange as HubSpot sends it, signed v3."""
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    event: dict[str, object] = {"eventId": number, "subscriptionId": 1, "portalId": 1}
    event |= {"occurredAt": now_ms}
    event |= {"subscriptionType": "contact.propertyChange", "objectId": int(contact)}
    event |= {"propertyName": "jobtitle", "propertyValue": "部長"}
    body = json.dumps([event]).encode()
    stamp = str(now_ms)
    signature = signature_v3(APP_SECRET, "POST", url, body, stamp)
    headers = {"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": stamp}
    return body, headers | {"content-type": "application/json"}


def measure(backend: str, args: argparse.Namespace, coalesce: int, folder: Path) -> list[float]:
    """Seconds from each event's post to its contact's score in the portal."""
    portal, rng = FakePortal(), random.Random(7)
    seed(portal, args.contacts, rng)
    contacts = rng.sample(sorted(portal.objects["contacts"]), args.events)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/hubspot"
    latencies = []
    with (
        fresh_store(backend, folder, args.postgres_url) as state_url,
        respx.mock(assert_all_called=False) as router,
    ):
        router.route(host="127.0.0.1").pass_through()
        portal.mount(router)
        settings = settings_for(write_config(folder), state_url, sock.getsockname()[1], coalesce)
        with serving(settings, sock), httpx.Client(timeout=10) as client:
            for number, contact in enumerate(contacts, start=1):
                time.sleep(rng.uniform(0.2, 1.2))
                body, headers = signed_change(url, number, contact)
                started = time.perf_counter()
                answer = client.post(url, content=body, headers=headers)
                if answer.status_code != 200:
                    raise SystemExit(f"the receiver answered {answer.status_code}: {answer.text}")
                record = portal.objects["contacts"][contact]
                _until(lambda record=record: "leadscore_score" in record)
                latencies.append(time.perf_counter() - started)
    sock.close()
    return latencies


def main() -> None:
    """Measure each backend and coalescing delay; print medians and the slowest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--contacts", type=int, default=1_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--coalesce", default="0,5")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    print(f"event -> HubSpot write (fake portal, {args.contacts:,} contacts), {args.events} events")
    for coalesce in (int(value) for value in args.coalesce.split(",")):
        for backend in args.backends.split(","):
            with tempfile.TemporaryDirectory(prefix="leadscore-bench-crm-") as name:
                ms = sorted(x * 1000 for x in measure(backend, args, coalesce, Path(name)))
            p90 = ms[min(int(len(ms) * 0.9), len(ms) - 1)]
            print(
                f"coalesce_seconds={coalesce}  {backend:<10} median {statistics.median(ms):6.0f} ms"
                f"  p90 {p90:6.0f} ms  max {ms[-1]:6.0f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()
