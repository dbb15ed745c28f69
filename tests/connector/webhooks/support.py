"""The receiver under a real uvicorn server on a free port, an in-memory sink, signed posts."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from pydantic import SecretStr
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette

from connector.compose import load_settings
from connector.config import CoreSettings
from connector.errors import StateError
from connector.state import QueuedEvent
from connector.webhooks.server import server_config
from tests.cli_support import copy_example

SECRET = "whsec_" + base64.b64encode(b"a test secret of 32 bytes, fixed").decode()
STARTUP_SECONDS = 10.0


@dataclass
class MemorySink:
    """A queue in memory that dedupes by event id, like the store's; `down` fails it."""

    events: dict[str, QueuedEvent] = field(default_factory=dict)
    calls: list[datetime] = field(default_factory=list)
    down: bool = False

    def __call__(self, events: Sequence[QueuedEvent], at: datetime) -> int:
        """Store the new events; how many were new."""
        if self.down:
            raise StateError("the state database sqlite:///x failed: disk I/O error")
        self.calls.append(at)
        new = [event for event in events if event.event_id not in self.events]
        self.events.update((event.event_id, event) for event in new)
        return len(new)


def settings(folder: Path, *, max_body_bytes: int = 1024 * 1024) -> CoreSettings:
    """The example config with a webhook secret and the given body limit."""
    loaded = load_settings(copy_example(folder))
    webhooks = loaded.webhooks.model_copy(
        update={"secret": SecretStr(SECRET), "max_body_bytes": max_body_bytes}
    )
    return loaded.model_copy(update={"webhooks": webhooks})


def signed_headers(
    body: bytes, *, message_id: str = "msg_1", at: datetime | None = None, secret: str = SECRET
) -> dict[str, str]:
    """Standard Webhooks headers for `body`, signed by the reference library."""
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(message_id, at, body.decode())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def lead_body(*lead_ids: str) -> bytes:
    """A generic body naming these leads."""
    return json.dumps({"lead_ids": list(lead_ids)}).encode()


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """The app under uvicorn in a thread, on a free port; its base URL. Stopped afterwards."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # the OS picks a free port; no race with another test run
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_until(lambda: server.started, "uvicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


def _wait_until(condition: object, message: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.02)
