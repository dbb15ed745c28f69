"""A workflow's "Send a webhook": v1/v2 signatures as the SDK computes them, or a shared key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hubspot.utils.signature import Signature
from pydantic import SecretStr, ValidationError

from adapters.hubspot.settings import HubSpotSettings
from adapters.hubspot.signatures import signature_v1, signature_v2
from adapters.hubspot.webhooks import read_webhook
from connector.errors import WebhookRejected
from connector.ports import WebhookEvent, WebhookRequest

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
KEY = "k" * 24 + "-workflow-key"
URL = "https://leadscore.example.com/webhooks/hubspot?via=workflow"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SETTINGS = HubSpotSettings(webhook_secret=SecretStr(SECRET), workflow_secret=SecretStr(KEY))
#: A contact-based workflow posts the contact as the v1 contacts API returns it.
CONTACT = {
    "vid": 3251,
    "canonical-vid": 3251,
    "portal-id": 62515,
    "is-contact": True,
    "properties": {
        "lastname": {"value": "山田", "versions": [{"value": "山田", "timestamp": 1764547200000}]},
        "lastmodifieddate": {"value": "1764547200000"},
    },
}
BODY = json.dumps(CONTACT, ensure_ascii=False).encode()


def _sdk_signed(
    body: bytes, version: str, *, url: str = URL, headers: dict[str, str] | None = None
) -> WebhookRequest:
    """The request as HubSpot sends it, signed by the SDK (an independent implementation)."""
    signature = Signature.get_signature(SECRET, body.decode(), version, url, "POST")
    signed = {"x-hubspot-signature": signature, "x-hubspot-signature-version": version}
    return WebhookRequest("POST", url, {**signed, **(headers or {})}, body, NOW)


def _keyed(body: bytes, key: str = KEY) -> WebhookRequest:
    return WebhookRequest("POST", URL, {"x-leadscore-workflow-key": key}, body, NOW)


def test_the_published_v1_and_v2_vectors() -> None:
    body = b"{'example_field':'example_value'}"
    uri = "https://www.example.com/webhook_uri"
    # The SDK's own test vectors (CRM_API_FACTS A8) ...
    assert signature_v1(SECRET, body) == (
        "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"
    )
    assert signature_v2(SECRET, "POST", uri, body) == (
        "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383"
    )
    assert signature_v2(SECRET, "GET", uri, b"") == (
        "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    )
    # ... and HubSpot's documented v1 example (developers.hubspot.com/docs/faq/
    # v1-request-validation).
    documented = (
        b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
        b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
        b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
    )
    assert signature_v1(SECRET, documented) == (
        "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    )


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_workflow_signed_by_the_sdk_names_its_contact(version: str) -> None:
    [event] = read_webhook(SETTINGS, _sdk_signed(BODY, version))
    assert (event.lead_id, event.action) == ("3251", "rescore")
    # And the other way round: the SDK accepts what this module computes.
    ours = (
        signature_v2(SECRET, "POST", URL, BODY) if version == "v2" else signature_v1(SECRET, BODY)
    )
    assert Signature.is_valid(ours, SECRET, BODY.decode(), URL, "POST", version)


def test_v2_signs_the_url_as_called_and_v1_does_not() -> None:
    elsewhere = URL + "&extra=1"
    v2 = _sdk_signed(BODY, "v2", url=elsewhere)
    with pytest.raises(WebhookRejected, match="does not match"):
        read_webhook(SETTINGS, WebhookRequest("POST", URL, v2.headers, BODY, NOW))
    v1 = _sdk_signed(BODY, "v1", url=elsewhere)
    assert read_webhook(SETTINGS, WebhookRequest("POST", URL, v1.headers, BODY, NOW))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"x-hubspot-signature-version": "v1"}, "does not match"),  # a v2 signature read as v1
        ({"x-hubspot-signature-version": ""}, "not v1 or v2"),
        ({"x-hubspot-signature-version": "v9"}, "not v1 or v2"),
        ({"x-hubspot-signature": "0" * 64}, "does not match"),
    ],
)
def test_a_wrong_or_mislabelled_signature_is_refused(change: dict[str, str], reason: str) -> None:
    signed = _sdk_signed(BODY, "v2")
    forged = WebhookRequest("POST", URL, {**signed.headers, **change}, BODY, NOW)
    with pytest.raises(WebhookRejected, match=reason) as raised:
        read_webhook(SETTINGS, forged)
    assert raised.value.status == 401


def test_a_tampered_body_is_refused() -> None:
    signed = _sdk_signed(BODY, "v2")
    tampered = BODY.replace(b"3251", b"3252")
    with pytest.raises(WebhookRejected, match="does not match"):
        read_webhook(SETTINGS, WebhookRequest("POST", URL, signed.headers, tampered, NOW))


def test_a_stale_timestamp_is_refused_where_one_is_given() -> None:
    def stamped(at: datetime) -> WebhookRequest:
        stamp = {"x-hubspot-request-timestamp": str(int(at.timestamp() * 1000))}
        return _sdk_signed(BODY, "v2", headers=stamp)

    with pytest.raises(WebhookRejected, match="more than 5 minutes") as raised:
        read_webhook(SETTINGS, stamped(NOW - timedelta(minutes=6)))
    assert raised.value.status == 401
    assert read_webhook(SETTINGS, stamped(NOW - timedelta(minutes=4)))


def test_without_the_app_secret_a_signed_workflow_is_refused() -> None:
    with pytest.raises(WebhookRejected, match="LEADSCORE_HUBSPOT__WEBHOOK_SECRET"):
        read_webhook(HubSpotSettings(), _sdk_signed(BODY, "v2"))


def test_the_workflow_key_names_the_contact() -> None:
    assert [e.lead_id for e in read_webhook(SETTINGS, _keyed(BODY))] == ["3251"]


@pytest.mark.parametrize("key", [KEY[:-1], KEY + "x", "", "値" * 30])
def test_a_wrong_workflow_key_is_refused(key: str) -> None:
    with pytest.raises(WebhookRejected, match="X-Leadscore-Workflow-Key does not match") as raised:
        read_webhook(SETTINGS, _keyed(BODY, key))
    assert raised.value.status == 401


def test_without_a_configured_key_the_header_is_refused() -> None:
    settings = HubSpotSettings(webhook_secret=SecretStr(SECRET))
    with pytest.raises(WebhookRejected, match="LEADSCORE_HUBSPOT__WORKFLOW_SECRET"):
        read_webhook(settings, _keyed(BODY))


def test_the_workflow_key_cannot_vouch_for_app_events() -> None:
    # A forged deletion would make leadscore forget a contact: only the app secret may.
    deletion = [{"eventId": 1, "subscriptionType": "contact.deletion", "objectId": 3251}]
    with pytest.raises(WebhookRejected, match="workflow's contact only") as raised:
        read_webhook(SETTINGS, _keyed(json.dumps(deletion).encode()))
    assert raised.value.status == 401


def test_an_unsigned_request_is_refused() -> None:
    with pytest.raises(WebhookRejected, match="unsigned") as raised:
        read_webhook(SETTINGS, WebhookRequest("POST", URL, {}, BODY, NOW))
    assert raised.value.status == 401


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b'"3251"', "neither an array"),
        (json.dumps({"properties": {"email": {"value": "a@example.com"}}}).encode(), "no contact"),
        (json.dumps({"vid": "12ab"}).encode(), "no contact"),
        (json.dumps({"objectId": 900, "objectType": "DEAL"}).encode(), "not contact-based"),
    ],
)
def test_a_malformed_workflow_body_is_refused_with_400(body: bytes, reason: str) -> None:
    with pytest.raises(WebhookRejected, match=reason) as raised:
        read_webhook(SETTINGS, _keyed(body))
    assert raised.value.status == 400
    assert "a@example.com" not in raised.value.reason


@pytest.mark.parametrize(
    "body",
    [
        {"objectId": 3251, "objectType": "CONTACT", "properties": {}},
        {"hs_object_id": "3251", "email": "a@example.com"},  # a customized body
        {"properties": {"hs_object_id": {"value": "3251"}}},
        {"canonical-vid": 3251, "vid": 3251},
        {"objectId": 3251, "objectTypeId": "0-1"},
    ],
)
def test_the_contact_id_is_found_in_each_body_shape(body: dict[str, object]) -> None:
    assert [e.lead_id for e in read_webhook(SETTINGS, _keyed(json.dumps(body).encode()))] == [
        "3251"
    ]


def test_a_retried_delivery_has_the_same_event_id_and_a_later_enrollment_another() -> None:
    [first] = read_webhook(SETTINGS, _keyed(BODY))
    [retry] = read_webhook(SETTINGS, _sdk_signed(BODY, "v2"))  # however it was vouched for
    later = {**CONTACT, "properties": {"lastmodifieddate": {"value": "1764550800000"}}}
    [enrolled_again] = read_webhook(SETTINGS, _keyed(json.dumps(later).encode()))
    assert first == retry == WebhookEvent(first.event_id, "3251")
    assert enrolled_again.event_id != first.event_id
    assert enrolled_again.lead_id == "3251"


@pytest.mark.parametrize("key", ["short", "長い鍵" * 10])
def test_a_weak_or_non_ascii_workflow_key_is_refused_without_showing_it(key: str) -> None:
    with pytest.raises(ValidationError) as raised:
        HubSpotSettings(workflow_secret=SecretStr(key))
    assert "LEADSCORE_HUBSPOT__WORKFLOW_SECRET" in str(raised.value)
    assert key not in str(raised.value)


def test_the_secrets_never_print() -> None:
    shown = repr(SETTINGS) + str(SETTINGS) + SETTINGS.model_dump_json()
    assert SECRET not in shown
    assert KEY not in shown
