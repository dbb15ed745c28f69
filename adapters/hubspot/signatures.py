"""Who sent a HubSpot push: the v3 signature, the older v1/v2 ones, or a workflow's own key.

v3 is checked here rather than with the SDK's `Signature`: that one signs the URI as
received (HubSpot signs it with a few characters decoded) and a float timestamp as
`15000000.0` (hubspot-api-python issues 247, 263; CRM_API_FACTS A8). v1 and v2 (what a
workflow's "Send a webhook" signs with the app ID's client secret) agree with the SDK.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from enum import Enum

from adapters.hubspot.settings import (
    APP_SECRET_VARIABLE,
    WORKFLOW_SECRET_HEADER,
    WORKFLOW_SECRET_VARIABLE,
    HubSpotSettings,
)
from connector.errors import WebhookRejected
from connector.ports import WebhookRequest

#: HubSpot asks receivers to refuse requests signed longer ago than this.
MAX_AGE = timedelta(minutes=5)
#: The only escapes HubSpot decodes in the URI before signing it (v3; v2 signs it verbatim).
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
_WORKFLOW_HEADER = WORKFLOW_SECRET_HEADER.lower()


class Sender(Enum):
    """What vouches for a request, and so what it may ask for."""

    #: Signed with the app's client secret (app webhooks, or a workflow's request signature).
    APP = "app"
    #: Carries the workflow's shared key: it may name a contact to rescore, nothing more.
    WORKFLOW_KEY = "workflow_key"


def verify(settings: HubSpotSettings, request: WebhookRequest) -> Sender:
    """Who vouches for `request`; WebhookRejected (401) when nobody does."""
    headers = request.headers
    if headers.get("x-hubspot-signature-v3"):
        verify_v3(_app_secret(settings), request)
        return Sender.APP
    if headers.get("x-hubspot-signature"):
        verify_v1_v2(_app_secret(settings), request)
        return Sender.APP
    if _WORKFLOW_HEADER in headers:
        verify_workflow_key(settings, request)
        return Sender.WORKFLOW_KEY
    raise WebhookRejected(
        401, f"unsigned: no X-HubSpot-Signature-v3, X-HubSpot-Signature or {WORKFLOW_SECRET_HEADER}"
    )


def _app_secret(settings: HubSpotSettings) -> str:
    if settings.webhook_secret is None:
        raise WebhookRejected(401, f"set {APP_SECRET_VARIABLE} (the app's client secret)")
    return settings.webhook_secret.get_secret_value()


def verify_v3(secret: str, request: WebhookRequest) -> None:
    """Raise WebhookRejected unless the v3 signature and a fresh timestamp are present."""
    signature = request.headers.get("x-hubspot-signature-v3")
    timestamp = request.headers.get("x-hubspot-request-timestamp", "")
    if not signature or not timestamp.isdigit():
        raise WebhookRejected(401, "missing X-HubSpot-Signature-v3 or its timestamp")
    _fresh(timestamp, request.received_at)
    expected = signature_v3(secret, request.method, request.url, request.body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise WebhookRejected(401, "the HubSpot signature does not match")


def verify_v1_v2(secret: str, request: WebhookRequest) -> None:
    """Raise WebhookRejected unless X-HubSpot-Signature matches its declared version.

    v1 and v2 sign no timestamp; a timestamp header, where HubSpot sends one, must still be
    fresh, so an old request replayed as it was is refused.
    """
    signature = request.headers.get("x-hubspot-signature", "")
    version = request.headers.get("x-hubspot-signature-version", "").strip().lower()
    if version == "v1":
        expected = signature_v1(secret, request.body)
    elif version == "v2":
        expected = signature_v2(secret, request.method, request.url, request.body)
    else:
        raise WebhookRejected(401, "X-HubSpot-Signature-Version is not v1 or v2")
    timestamp = request.headers.get("x-hubspot-request-timestamp")
    if timestamp is not None:
        if not timestamp.isdigit():
            raise WebhookRejected(401, "X-HubSpot-Request-Timestamp is not a number")
        _fresh(timestamp, request.received_at)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise WebhookRejected(401, "the HubSpot signature does not match")


def verify_workflow_key(settings: HubSpotSettings, request: WebhookRequest) -> None:
    """Raise WebhookRejected unless the workflow's key header holds the configured secret."""
    if settings.workflow_secret is None:
        raise WebhookRejected(401, f"set {WORKFLOW_SECRET_VARIABLE} to accept the workflow's key")
    sent = request.headers.get(_WORKFLOW_HEADER, "").encode()
    if not hmac.compare_digest(sent, settings.workflow_secret.get_secret_value().encode()):
        raise WebhookRejected(401, f"{WORKFLOW_SECRET_HEADER} does not match")


def _fresh(timestamp: str, received_at: datetime) -> None:
    signed_at = datetime.fromtimestamp(int(timestamp) / 1000, UTC)
    if abs(received_at - signed_at) > MAX_AGE:
        raise WebhookRejected(401, "the request was signed more than 5 minutes ago")


def signature_v3(secret: str, method: str, url: str, body: bytes, timestamp: str) -> str:
    """base64(HMAC-SHA256(secret, method + uri + body + timestamp)), the URI as HubSpot signs it."""
    message = method.upper().encode() + _signed_uri(url).encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_v2(secret: str, method: str, url: str, body: bytes) -> str:
    """hex(SHA-256(secret + method + uri + body)), the URI exactly as called."""
    return hashlib.sha256(
        secret.encode() + method.upper().encode() + url.encode() + body
    ).hexdigest()


def signature_v1(secret: str, body: bytes) -> str:
    """hex(SHA-256(secret + body))."""
    return hashlib.sha256(secret.encode() + body).hexdigest()


def _signed_uri(url: str) -> str:
    for escape, char in _DECODED.items():
        url = url.replace(escape, char).replace(escape.lower(), char)
    return url
