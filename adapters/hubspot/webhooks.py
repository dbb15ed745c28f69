"""HubSpot's app webhooks: the v3 signature, and contact events as leads to rescore or forget.

The signature is checked here rather than with the SDK's `Signature`: that one signs the URI
as received (HubSpot signs it with a few characters decoded) and a float timestamp as
`15000000.0` (hubspot-api-python issues 247, 263; CRM_API_FACTS A8).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.hubspot.settings import HubSpotSettings
from connector.errors import WebhookRejected
from connector.ports import WebhookEvent, WebhookRequest

#: HubSpot asks receivers to refuse requests signed longer ago than this.
MAX_AGE = timedelta(minutes=5)
#: One request carries at most 100 events.
MAX_EVENTS = 100
#: The only escapes HubSpot decodes in the URI before signing it.
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
_RESCORE = frozenset({"contact.creation", "contact.propertyChange", "contact.restore"})
_FORGET = frozenset({"contact.deletion", "contact.privacyDeletion"})


def read_webhook(settings: HubSpotSettings, request: WebhookRequest) -> list[WebhookEvent]:
    """The leads a signed HubSpot request asks to rescore or forget; WebhookRejected if not."""
    if settings.webhook_secret is None:
        raise WebhookRejected(401, "set LEADSCORE_HUBSPOT__WEBHOOK_SECRET (the app's secret)")
    verify_v3(settings.webhook_secret.get_secret_value(), request)
    return list(_events(_payload(request.body)))


def verify_v3(secret: str, request: WebhookRequest) -> None:
    """Raise WebhookRejected unless the v3 signature and a fresh timestamp are present."""
    signature = request.headers.get("x-hubspot-signature-v3")
    timestamp = request.headers.get("x-hubspot-request-timestamp", "")
    if not signature or not timestamp.isdigit():
        raise WebhookRejected(401, "missing X-HubSpot-Signature-v3 or its timestamp")
    signed_at = datetime.fromtimestamp(int(timestamp) / 1000, UTC)
    if abs(request.received_at - signed_at) > MAX_AGE:
        raise WebhookRejected(401, "the request was signed more than 5 minutes ago")
    expected = signature_v3(secret, request.method, request.url, request.body, timestamp)
    if not hmac.compare_digest(expected, signature):
        raise WebhookRejected(401, "the HubSpot signature does not match")


def signature_v3(secret: str, method: str, url: str, body: bytes, timestamp: str) -> str:
    """base64(HMAC-SHA256(secret, method + uri + body + timestamp)), the URI as HubSpot signs it."""
    message = method.upper().encode() + _signed_uri(url).encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _signed_uri(url: str) -> str:
    for escape, char in _DECODED.items():
        url = url.replace(escape, char).replace(escape.lower(), char)
    return url


def _payload(body: bytes) -> list[Mapping[str, Any]]:
    try:
        events = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected(400, "the body is not JSON") from None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise WebhookRejected(400, "the body is not an array of events")
    if len(events) > MAX_EVENTS:
        raise WebhookRejected(413, f"more than {MAX_EVENTS} events in one request")
    return events


def _events(payload: list[Mapping[str, Any]]) -> Iterator[WebhookEvent]:
    for event in payload:
        kind, object_id = str(event.get("subscriptionType", "")), event.get("objectId")
        # eventId is not documented as unique across subscriptions: key on all three.
        key = f"{event.get('subscriptionId')}:{event.get('eventId')}:{event.get('occurredAt')}"
        if kind in _RESCORE and object_id is not None:
            yield WebhookEvent(key, str(object_id))
        elif kind in _FORGET and object_id is not None:
            yield WebhookEvent(key, str(object_id), "forget")
        elif kind == "contact.merge":
            yield from _merged(key, event)


def _merged(key: str, event: Mapping[str, Any]) -> Iterator[WebhookEvent]:
    """A merge: the primary contact is rescored, the contacts merged into it are gone."""
    primary = event.get("primaryObjectId") or event.get("objectId")
    if primary is not None:
        yield WebhookEvent(key, str(primary))
    for merged in event.get("mergedObjectIds") or []:
        if str(merged) != str(primary):
            yield WebhookEvent(f"{key}:{merged}", str(merged), "forget")
