"""What the receiver logs: counts and ids, never the body's personal data nor the secret."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.logs import JsonLines
from connector.state import QueuedEvent
from connector.webhooks import create_app
from connector.webhooks.sinks import GroupCommit
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


def slow_commits(batch: Sequence[tuple[Sequence[QueuedEvent], datetime]]) -> list[int]:
    """A store whose commit takes a while: requests arriving meanwhile share the next one."""
    time.sleep(0.2)
    return [len(events) for events, _ in batch]


def stored_lines(lines: list[str]) -> list[dict[str, Any]]:
    """The receiver's "stored" lines, parsed."""
    return [
        entry for entry in map(json.loads, lines) if entry["message"].startswith("webhooks stored")
    ]


def test_a_lone_delivery_gets_a_line_with_its_message_id(tmp_path: Path, lines: list[str]) -> None:
    app = create_app(settings(tmp_path), MemorySink(), lambda: True)
    body = b'{"lead_ids": ["00Q1", "00Q2"]}'
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        client.post(
            "/webhooks/generic", content=body, headers=signed_headers(body, message_id="m1")
        )
    [line] = stored_lines(lines)
    assert line["message"] == "webhooks stored from generic: 1 delivery, 2 new events, 0 duplicates"
    assert (line["message_ids"], line["stored"], line["duplicates"]) == (["m1"], 2, 0)


def test_deliveries_stored_by_one_commit_share_a_line_naming_each(
    tmp_path: Path, lines: list[str]
) -> None:
    app = create_app(settings(tmp_path), GroupCommit(slow_commits), lambda: True)
    ids = [f"msg_{number}" for number in range(12)]

    async def post_all(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            body = b'{"lead_ids": ["00Q1"]}'
            posts = [
                client.post(
                    "/webhooks/generic", content=body, headers=signed_headers(body, message_id=i)
                )
                for i in ids
            ]
            return [response.status_code for response in await asyncio.gather(*posts)]

    with serving(app) as url:
        assert asyncio.run(post_all(url)) == [202] * len(ids)
    logged = stored_lines(lines)
    assert sorted(i for line in logged for i in line["message_ids"]) == sorted(ids)
    assert sum(line["deliveries"] for line in logged) == len(ids)
    assert len(logged) < len(ids)  # the commits each answered several requests: fewer lines
