"""The receiver over real HTTP: accept, refuse, never a 2xx for an event not stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from connector.state import QueuedEvent
from connector.webhooks import create_app
from tests.connector.webhooks.support import (
    MemorySink,
    lead_body,
    serving,
    settings,
    signed_headers,
)

LIMIT = 2048
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def readiness() -> dict[str, bool]:
    return {"ok": True}


@pytest.fixture
def client(tmp_path: Path, sink: MemorySink, readiness: dict[str, bool]) -> Iterator[httpx.Client]:
    app = create_app(
        settings(tmp_path, max_body_bytes=LIMIT), sink, lambda: readiness["ok"], lambda: AT
    )
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


def post(client: httpx.Client, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return client.post("/webhooks/generic", content=body, headers=headers)


def test_a_signed_post_is_stored_before_the_202(client: httpx.Client, sink: MemorySink) -> None:
    body = lead_body("00Q1", "00Q2", "00Q1")
    response = post(client, body, signed_headers(body, message_id="msg_a"))
    assert response.status_code == 202
    assert response.json() == {"stored": 2, "duplicates": 0}
    assert list(sink.events.values()) == [
        QueuedEvent("generic", "msg_a:00Q1", "00Q1"),
        QueuedEvent("generic", "msg_a:00Q2", "00Q2"),
    ]
    assert sink.calls == [AT]


def test_a_replayed_message_is_counted_as_duplicates(
    client: httpx.Client, sink: MemorySink
) -> None:
    body = lead_body("00Q1", "00Q2")
    headers = signed_headers(body, message_id="msg_b")
    assert post(client, body, headers).json() == {"stored": 2, "duplicates": 0}
    replay = post(client, body, headers)
    assert replay.status_code == 202
    assert replay.json() == {"stored": 0, "duplicates": 2}
    assert len(sink.events) == 2


def _tampered(body: bytes) -> tuple[bytes, dict[str, str]]:
    return lead_body("00Q9"), signed_headers(body)


def _wrong_secret(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, signed_headers(body, secret="whsec_" + "d3Jvbmcgc2VjcmV0IG9mIHRoZSBzZW5kZXI=")


def _stale(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, signed_headers(body, at=datetime.now(UTC) - timedelta(minutes=6))


def _future(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, signed_headers(body, at=datetime.now(UTC) + timedelta(minutes=6))


def _unsigned(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {"content-type": "application/json"}


def _no_signature(body: bytes) -> tuple[bytes, dict[str, str]]:
    headers = signed_headers(body)
    del headers["webhook-signature"]
    return body, headers


def _garbled_signature(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {**signed_headers(body), "webhook-signature": "not-a-signature"}


@pytest.mark.parametrize(
    "forge",
    [_tampered, _wrong_secret, _stale, _future, _unsigned, _no_signature, _garbled_signature],
)
def test_a_request_that_fails_verification_is_401_and_stores_nothing(
    client: httpx.Client, sink: MemorySink, forge: object
) -> None:
    body, headers = forge(lead_body("00Q1"))  # type: ignore[operator]
    response = post(client, body, headers)
    assert response.status_code == 401
    assert "retry-after" not in response.headers  # a forgery is not worth retrying
    assert response.json()["error"] == "signature"
    assert sink.events == {}


def test_missing_headers_are_named(client: httpx.Client) -> None:
    response = post(client, lead_body("00Q1"), {})
    assert "webhook-id, webhook-timestamp, webhook-signature" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"lead_ids": ["00Q1"', "not valid JSON"),
        (b'["00Q1"]', "Input should be a valid dictionary"),
        (b'{"leads": ["00Q1"]}', "lead_ids: Field required"),
        (b'{"lead_ids": "00Q1"}', "lead_ids: Input should be a valid list"),
        (b'{"lead_ids": [1]}', "lead_ids.0: Input should be a valid string"),
        (b'{"lead_ids": [" "]}', "lead_ids.0: String should have at least 1 character"),
        ('{"lead_ids": ["ü"]}'.encode("latin-1"), "not UTF-8"),
    ],
)
def test_a_signed_body_of_the_wrong_shape_is_400_naming_what_is_wrong(
    client: httpx.Client, sink: MemorySink, body: bytes, named: str
) -> None:
    headers = signed_headers(body) if _utf8(body) else signed_headers(b"")
    response = post(client, body, headers)
    assert response.status_code == 400
    assert named in response.json()["detail"]
    assert sink.events == {}


def _utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


def test_a_personal_value_is_not_echoed_in_the_400(client: httpx.Client) -> None:
    body = b'{"lead_ids": [{"email": "taro@example.jp"}]}'
    response = post(client, body, signed_headers(body))
    assert response.status_code == 400
    assert "taro@example.jp" not in response.text


def test_a_body_over_the_declared_limit_is_413(client: httpx.Client, sink: MemorySink) -> None:
    body = lead_body(*(f"00Q{n:05}" for n in range(LIMIT // 8)))
    response = post(client, body, signed_headers(body))
    assert response.status_code == 413
    assert "max_body_bytes" in response.json()["detail"]
    assert sink.events == {}


def test_a_streamed_body_over_the_limit_is_413(client: httpx.Client, sink: MemorySink) -> None:
    body = lead_body(*(f"00Q{n:05}" for n in range(LIMIT // 8)))

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield from (body[i : i + 512] for i in range(0, len(body), 512))

    response = client.post("/webhooks/generic", content=chunks(), headers=signed_headers(body))
    assert response.status_code == 413
    assert sink.events == {}


def test_a_store_that_is_down_gives_503_never_a_2xx(client: httpx.Client, sink: MemorySink) -> None:
    sink.down = True
    body = lead_body("00Q1")
    response = post(client, body, signed_headers(body))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"  # a sender backs off, then retries
    assert response.json()["error"] == "store_unavailable"
    assert "sqlite" not in response.text  # the store's own message stays in the log
    sink.down = False
    assert post(client, body, signed_headers(body)).status_code == 202  # the sender's retry


def test_healthz_answers_once_up(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_readyz_follows_the_store(client: httpx.Client, readiness: dict[str, bool]) -> None:
    assert client.get("/readyz").status_code == 200
    readiness["ok"] = False
    unready = client.get("/readyz")
    assert unready.status_code == 503
    assert unready.headers["retry-after"] == "30"


def test_metrics_count_received_rejected_stored_and_duplicates(client: httpx.Client) -> None:
    body = lead_body("00Q1", "00Q2")
    headers = signed_headers(body, message_id="msg_m")
    post(client, body, headers)
    post(client, body, headers)
    post(client, body, {})
    post(client, b"{", signed_headers(b"{"))
    text = client.get("/metrics").text
    assert 'leadscore_webhook_received_total{source="generic"} 4.0' in text
    assert 'leadscore_webhook_events_stored_total{source="generic"} 2.0' in text
    assert 'leadscore_webhook_events_duplicate_total{source="generic"} 2.0' in text
    assert 'leadscore_webhook_rejected_total{reason="signature",source="generic"} 1.0' in text
    assert 'leadscore_webhook_rejected_total{reason="payload",source="generic"} 1.0' in text
