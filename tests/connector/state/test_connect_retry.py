"""The first connection to a database server that is not up yet is retried, for a bounded time."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from connector.cli import main
from connector.errors import StateError
from connector.state import StateStore
from tests.cli_support import AS_OF
from tests.process_support import free_port

UNREACHABLE = "postgresql+psycopg://leadscore:s3cret@127.0.0.1:1/state"


class LateServer:
    """A loopback port that refuses connections for `delay` seconds, then relays to `target`."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.port = free_port()
        self._target = target
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._serve, args=(delay,), daemon=True)]

    def start(self) -> None:
        """Begin the countdown to listening."""
        self._threads[0].start()

    def stop(self) -> None:
        """Close every socket and wait for the relay threads."""
        self._stop.set()
        for sock in list(self._sockets):
            sock.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def _serve(self, delay: float) -> None:
        if self._stop.wait(delay):
            return
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.2)
        self._sockets.append(listener)
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(self._target, timeout=5)
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=_relay, args=(source, sink), daemon=True)
                self._threads.append(thread)
                thread.start()


def _relay(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes one way until either side closes."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def late_postgres(postgresql_state_url: str) -> Iterator[tuple[str, LateServer]]:
    """The test database's URL through a port that starts answering 1.5 s from now."""
    url = make_url(postgresql_state_url)
    server = LateServer((url.host or "127.0.0.1", url.port or 5432), delay=1.5)
    server.start()
    try:
        yield url.set(host="127.0.0.1", port=server.port).render_as_string(False), server
    finally:
        server.stop()


def retry_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The records saying the state database is being retried."""
    return [r for r in caplog.records if "not reachable yet, retrying" in r.getMessage()]


def test_an_unreachable_server_is_retried_then_refused_clearly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = time.monotonic()
    with (
        caplog.at_level(logging.WARNING, logger="leadscore.state"),
        pytest.raises(StateError, match=r"cannot reach .* within 1.5 s") as raised,
    ):
        StateStore.open(UNREACHABLE, connect_timeout_seconds=1.5)

    assert 1.5 <= time.monotonic() - started < 15
    assert "connect_timeout_seconds" in str(raised.value)
    warnings = retry_warnings(caplog)
    assert len(warnings) >= 2
    assert [w.attempt for w in warnings[:2]] == [1, 2]  # type: ignore[attr-defined]
    logged = " ".join(f"{w.getMessage()} {vars(w)}" for w in warnings)
    assert "127.0.0.1:1/state" in logged
    assert "s3cret" not in logged
    assert "s3cret" not in str(raised.value)


def test_without_a_timeout_the_first_refusal_fails(caplog: pytest.LogCaptureFixture) -> None:
    started = time.monotonic()
    with pytest.raises(StateError, match="cannot open the state database"):
        StateStore.open(UNREACHABLE)

    assert time.monotonic() - started < 5
    assert retry_warnings(caplog) == []


@pytest.mark.postgres
def test_a_server_that_comes_up_while_retrying_is_used(
    late_postgres: tuple[str, LateServer], caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = late_postgres
    with caplog.at_level(logging.WARNING, logger="leadscore.state"):
        store = StateStore.open(url, connect_timeout_seconds=30)
    try:
        store.set_ruleset_hash("rules-1")
        assert store.ruleset_hash() == "rules-1"
    finally:
        store.close()
    assert retry_warnings(caplog)


def test_the_cli_waits_as_long_as_the_config_says(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADSCORE_STATE__URL", UNREACHABLE)
    monkeypatch.setenv("LEADSCORE_STATE__CONNECT_TIMEOUT_SECONDS", "1")

    assert main(["sync", "--config", str(config), "--as-of", AS_OF]) == 2

    err = capsys.readouterr().err
    assert "within 1 s" in err
    assert "s3cret" not in err
    assert "Traceback" not in err


def test_a_negative_connect_timeout_is_refused(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADSCORE_STATE__CONNECT_TIMEOUT_SECONDS", "-1")

    assert main(["sync", "--config", str(config), "--as-of", AS_OF]) == 2

    assert "connect_timeout_seconds" in capsys.readouterr().err
