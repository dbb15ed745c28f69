"""HubSpot v3 webhook signatures against the SDK's published vector, and the 5-minute window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.hubspot.webhooks import signed_uri, v3_signature, v3_valid

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
BODY = b"{'example_field':'example_value'}"
URL = "https://www.example.com/webhook_uri"
VECTOR = "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="  # hubspot-api-python's test, ts 15000000
SENT = datetime.fromtimestamp(15000, UTC)  # 15000000 ms


def _headers(signature: str = VECTOR, timestamp: str = "15000000") -> dict[str, str]:
    return {"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": timestamp}


def test_the_published_vector() -> None:
    assert v3_signature(SECRET, "POST", URL, BODY, "15000000") == VECTOR


def test_a_fresh_matching_request_is_valid() -> None:
    assert v3_valid(SECRET, "POST", URL, BODY, _headers(), SENT + timedelta(minutes=4))


@pytest.mark.parametrize(
    ("body", "headers", "now"),
    [
        (BODY + b" ", _headers(), SENT),
        (BODY, _headers(signature="x" + VECTOR[1:]), SENT),
        (BODY, _headers(), SENT + timedelta(minutes=6)),
        (BODY, _headers(), SENT - timedelta(minutes=6)),
        (BODY, _headers(timestamp="15000000.0"), SENT),
        (BODY, {}, SENT),
    ],
    ids=["tampered", "wrong-signature", "stale", "future", "float-timestamp", "no-headers"],
)
def test_anything_else_is_invalid(body: bytes, headers: dict[str, str], now: datetime) -> None:
    assert not v3_valid(SECRET, "POST", URL, body, headers, now)


def test_only_the_listed_escapes_are_decoded() -> None:
    uri = "https://x.example/hook%3Fa%3d1%2C2%20b%2f"
    assert signed_uri(uri) == "https://x.example/hook?a%3d1,2%20b/"
