"""The shared CRM client: retries, Retry-After, the rate limiter, the meter, redaction, bridge."""

from __future__ import annotations

import logging

import httpx
import pytest
import requests
import respx
from simple_salesforce import Salesforce

from connector.http import (
    IDEMPOTENT_METHODS,
    CallMeter,
    RateLimiter,
    RequestsBridge,
    make_client,
    retry_after_seconds,
)
from connector.logs import scrub_credentials

BASE = "https://crm.example.com"


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_waits_for_the_window_to_slide() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 10.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.acquire()
    assert clock.sleeps == [10.0, 10.0]


def test_retries_5xx_then_succeeds_and_meters_every_attempt() -> None:
    meter, clock = CallMeter(), FakeClock()
    with (
        respx.mock(base_url=BASE) as mock,
        make_client(base_url=BASE, meter=meter, sleep=clock.sleep) as client,
    ):
        mock.get("/x").side_effect = [httpx.Response(503), httpx.Response(500), httpx.Response(200)]
        assert client.get("/x").status_code == 200
    assert meter.calls == 3
    assert meter.by_status == {503: 1, 500: 1, 200: 1}
    assert len(clock.sleeps) == 2


def test_retry_after_is_honoured_and_capped() -> None:
    clock = FakeClock()
    with respx.mock(base_url=BASE) as mock, make_client(base_url=BASE, sleep=clock.sleep) as client:
        mock.get("/x").side_effect = [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(429, headers={"Retry-After": "86400"}),
            httpx.Response(200),
        ]
        client.get("/x")
    assert clock.sleeps == [7.0, 120.0]


def test_retry_after_as_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Fri, 20 Nov 2026 09:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("soon", now=now) is None


def test_gives_up_after_max_attempts_and_returns_the_last_answer() -> None:
    meter, clock = CallMeter(), FakeClock()
    with (
        respx.mock(base_url=BASE) as mock,
        make_client(base_url=BASE, meter=meter, max_attempts=3, sleep=clock.sleep) as client,
    ):
        mock.get("/x").respond(502)
        assert client.get("/x").status_code == 502
    assert meter.calls == 3


def test_client_errors_are_not_retried() -> None:
    meter = CallMeter()
    with respx.mock(base_url=BASE) as mock, make_client(base_url=BASE, meter=meter) as client:
        mock.get("/x").respond(403, json=[{"errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        assert client.get("/x").status_code == 403
    assert meter.calls == 1


def test_connection_errors_are_retried_then_raised() -> None:
    meter, clock = CallMeter(), FakeClock()
    with (
        respx.mock(base_url=BASE) as mock,
        make_client(base_url=BASE, meter=meter, max_attempts=2, sleep=clock.sleep) as client,
    ):
        mock.get("/x").side_effect = httpx.ConnectTimeout("slow")
        with pytest.raises(httpx.ConnectTimeout):
            client.get("/x")
    assert meter.by_status == {0: 2}


def test_logs_every_call_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="leadscore.http")
    with respx.mock(base_url=BASE) as mock, make_client(base_url=BASE) as client:
        mock.get("/q").respond(200)
        client.get(
            "/q",
            params={"access_token": "s3cret", "q": "x"},
            headers={"Authorization": "Bearer s3cret"},
        )
    assert "GET /q?access_token=***&q=x -> 200" in caplog.text
    assert "s3cret" not in caplog.text


def test_redact_covers_session_ids_passwords_and_bearer_tokens() -> None:
    text = "<sessionId>00D!abc</sessionId> password=hunter2 Authorization: Bearer tok.en"
    expected = "<sessionId>***</sessionId> password=*** Authorization: Bearer ***"
    assert scrub_credentials(text) == expected


def test_simple_salesforce_goes_through_the_bridge() -> None:
    meter = CallMeter()
    instance = "https://org.my.salesforce.com"
    with (
        respx.mock(assert_all_called=True) as mock,
        make_client(base_url=instance, meter=meter) as client,
    ):
        session = requests.Session()
        session.mount("https://", RequestsBridge(client))
        pages = [
            {"done": False, "totalSize": 2, "records": [{"Id": "1"}], "nextRecordsUrl": "/more/2"},
            {"done": True, "totalSize": 2, "records": [{"Id": "2"}]},
        ]
        mock.get(f"{instance}/services/data/v59.0/query/").respond(200, json=pages[0])
        mock.get(f"{instance}/more/2").respond(200, json=pages[1])
        sf = Salesforce(instance_url=instance, session_id="tok", session=session, version="59.0")
        records = sf.query_all("SELECT Id FROM Lead")["records"]
    assert [r["Id"] for r in records] == ["1", "2"]
    assert meter.calls == 2


def test_bridge_turns_timeouts_into_requests_errors() -> None:
    with respx.mock(base_url=BASE) as mock, make_client(base_url=BASE, max_attempts=1) as client:
        mock.get("/x").side_effect = httpx.ReadTimeout("slow")
        session = requests.Session()
        session.mount("https://", RequestsBridge(client))
        with pytest.raises(requests.Timeout):
            session.get(f"{BASE}/x")


def test_a_create_is_not_repeated_after_a_5xx_when_posts_are_not_retried() -> None:
    meter, clock = CallMeter(), FakeClock()
    with (
        respx.mock(base_url=BASE) as mock,
        make_client(
            base_url=BASE, meter=meter, retry_methods=IDEMPOTENT_METHODS, sleep=clock.sleep
        ) as client,
    ):
        mock.post("/create").side_effect = [httpx.Response(503), httpx.Response(201)]
        assert client.post("/create").status_code == 503
        mock.post("/busy").side_effect = [httpx.Response(429), httpx.Response(201)]
        assert client.post("/busy").status_code == 201
        mock.post("/down").side_effect = [httpx.ConnectError("refused"), httpx.Response(201)]
        assert client.post("/down").status_code == 201
        mock.post("/lost").side_effect = httpx.ReadTimeout("lost")
        with pytest.raises(httpx.ReadTimeout):
            client.post("/lost")
    assert meter.calls == 1 + 2 + 2 + 1
