"""What the receiver logs: counts and ids, never the body's personal data nor the secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connector.logs import JsonLines
from connector.webhooks import create_app
from tests.connector.webhooks.support import (
    SECRET,
    MemorySink,
    serving,
    settings,
    signed_headers,
)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(JsonLines().format(record))


@pytest.fixture
def lines() -> Iterator[list[str]]:
    # Attached to the receiver's own logger: the CLI's set-up stops "leadscore" propagating.
    handler, logger = _Lines(), logging.getLogger("leadscore.webhooks")
    logger.addHandler(handler)
    # setLevel, not `.level =`: only setLevel clears the cache of an earlier test's INFO check.
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_the_log_has_no_personal_data_and_no_secret(tmp_path: Path, lines: list[str]) -> None:
    app = create_app(settings(tmp_path), MemorySink(), lambda: True)
    accepted = b'{"lead_ids": ["00Q1"], "email": "taro@example.jp"}'
    refused = b'{"lead_ids": [{"email": "hanako@example.jp"}]}'
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        ok = client.post("/webhooks/generic", content=accepted, headers=signed_headers(accepted))
        assert ok.status_code == 202
        client.post("/webhooks/generic", content=refused, headers=signed_headers(refused))
    text = "\n".join(lines)
    assert '"stored": 1' in text
    assert "webhook refused" in text
    for private in ("taro@example.jp", "hanako@example.jp", SECRET, SECRET[6:]):
        assert private not in text
