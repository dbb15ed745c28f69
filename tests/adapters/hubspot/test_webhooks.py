"""HubSpot app webhooks: the v3 signature as HubSpot computes it, and events as leads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hubspot.utils.signature import Signature
from pydantic import SecretStr

from adapters.hubspot.settings import HubSpotSettings
from adapters.hubspot.webhooks import read_webhook, signature_v3, verify_v3
from connector.errors import WebhookRejected
from connector.ports import WebhookEvent, WebhookRequest

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URL = "https://leadscore.example.com/webhooks/hubspot"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STAMP = str(int(NOW.timestamp() * 1000))
SETTINGS = HubSpotSettings(webhook_secret=SecretStr(SECRET))


def _request(
    body: bytes, *, url: str = URL, stamp: str = STAMP, at: datetime = NOW
) -> WebhookRequest:
    signature = signature_v3(SECRET, "POST", url, body, stamp)
    headers = {"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": stamp}
    return WebhookRequest("POST", url, headers, body, at)


def test_the_sdk_published_v3_vector() -> None:
    body = b"{'example_field':'example_value'}"
    expected = "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="
    assert (
        signature_v3(SECRET, "POST", "https://www.example.com/webhook_uri", body, "15000000")
        == expected
    )


def test_agrees_with_the_sdk_where_the_sdk_is_right() -> None:
    body = json.dumps([{"eventId": 1}]).encode()
    sdk = Signature.get_signature(SECRET, body.decode(), "v3", URL, "POST", STAMP)
    assert signature_v3(SECRET, "POST", URL, body, STAMP) == sdk


def test_the_uri_is_signed_with_the_documented_escapes_decoded() -> None:
    encoded = URL + "?portal=%40acme%3A1&q=a%20b"
    decoded = URL + "?portal=@acme:1&q=a%20b"  # %20 is not in HubSpot's list: it stays
    sdk = Signature.get_signature(SECRET, "[]", "v3", decoded, "POST", STAMP)
    assert signature_v3(SECRET, "POST", encoded, b"[]", STAMP) == sdk


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"x-hubspot-signature-v3": "forged"}, "does not match"),
        ({"x-hubspot-signature-v3": ""}, "missing"),
        ({"x-hubspot-request-timestamp": "soon"}, "missing"),
    ],
)
def test_a_forged_or_unsigned_request_is_refused(change: dict[str, str], reason: str) -> None:
    request = _request(b"[]")
    forged = WebhookRequest("POST", URL, {**request.headers, **change}, b"[]", NOW)
    with pytest.raises(WebhookRejected, match=reason) as raised:
        verify_v3(SECRET, forged)
    assert raised.value.status == 401


def test_a_tampered_body_is_refused() -> None:
    request = _request(b"[]")
    with pytest.raises(WebhookRejected, match="does not match"):
        verify_v3(SECRET, WebhookRequest("POST", URL, request.headers, b"[{}]", NOW))


def test_a_request_signed_more_than_five_minutes_ago_is_refused() -> None:
    late = _request(b"[]", at=NOW + timedelta(minutes=5, seconds=1))
    with pytest.raises(WebhookRejected, match="more than 5 minutes"):
        verify_v3(SECRET, late)
    verify_v3(SECRET, _request(b"[]", at=NOW + timedelta(minutes=4)))


def _event(
    number: int, subscription: int, kind: str, object_id: int, **extra: object
) -> dict[str, object]:
    return {
        "eventId": number,
        "subscriptionId": subscription,
        "occurredAt": number,
        "subscriptionType": kind,
        "objectId": object_id,
        **extra,
    }


def test_contact_events_become_leads_to_rescore_or_forget() -> None:
    events = [
        _event(1, 7, "contact.creation", 101),
        _event(2, 7, "contact.propertyChange", 102, propertyName="jobtitle"),
        _event(3, 8, "contact.deletion", 103),
        _event(4, 9, "contact.merge", 104, primaryObjectId=104, mergedObjectIds=[104, 105]),
        _event(5, 9, "deal.creation", 900),
    ]
    found = read_webhook(SETTINGS, _request(json.dumps(events).encode()))
    assert found == [
        WebhookEvent("7:1:1", "101"),
        WebhookEvent("7:2:2", "102"),
        WebhookEvent("8:3:3", "103", "forget"),
        WebhookEvent("9:4:4", "104"),
        WebhookEvent("9:4:4:105", "105", "forget"),
    ]


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 400), (b'{"eventId": 1}', 400), (json.dumps([{}] * 101).encode(), 413)],
)
def test_a_malformed_body_is_refused_after_its_signature_is_checked(
    body: bytes, status: int
) -> None:
    with pytest.raises(WebhookRejected) as raised:
        read_webhook(SETTINGS, _request(body))
    assert raised.value.status == status


def test_without_the_app_secret_nothing_is_accepted() -> None:
    with pytest.raises(WebhookRejected, match="LEADSCORE_HUBSPOT__WEBHOOK_SECRET"):
        read_webhook(HubSpotSettings(), _request(b"[]"))


def test_the_cards_rescore_request_queues_its_contact_and_each_click_is_new() -> None:
    # The app card's "rescore now" posts this through hubspot.fetch, which HubSpot signs v3.
    def click(at_ms: int) -> bytes:
        card = {"objectId": "4711", "objectTypeId": "0-1", "source": "leadscore-card"}
        return json.dumps({**card, "requested_at": at_ms}).encode()

    first, again = (read_webhook(SETTINGS, _request(click(at))) for at in (1, 2))
    assert [event.lead_id for event in first + again] == ["4711", "4711"]
    assert first[0].event_id != again[0].event_id


def test_a_card_request_without_hubspots_signature_is_refused() -> None:
    body = b'{"objectId": "4711", "objectTypeId": "0-1"}'
    with pytest.raises(WebhookRejected) as refused:
        read_webhook(SETTINGS, WebhookRequest("POST", URL, {}, body, NOW))
    assert refused.value.status == 401
