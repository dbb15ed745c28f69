"""HubSpot webhook signatures, v3: `base64(HMAC-SHA256(secret, method + uri + body + ts))`.

Only the verifier so far; parsing the event array into queued events and the
`POST /webhooks/hubspot` route wait for the plugin's webhook-parser hook in `connector.ports`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

SIGNATURE_HEADER = "x-hubspot-signature-v3"
TIMESTAMP_HEADER = "x-hubspot-request-timestamp"
#: HubSpot's documented replay window.
MAX_AGE_MS = 5 * 60 * 1000

#: The only escapes HubSpot decodes in the URI before signing; anything else stays encoded.
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


def signed_uri(uri: str) -> str:
    """`uri` with only HubSpot's listed escapes decoded (either letter case)."""
    out, index = [], 0
    while index < len(uri):
        escape = uri[index : index + 3].upper()
        if escape in _DECODED:
            out.append(_DECODED[escape])
            index += 3
        else:
            out.append(uri[index])
            index += 1
    return "".join(out)


def v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """The v3 signature HubSpot sends for this request."""
    message = method.upper().encode() + signed_uri(uri).encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def v3_valid(
    secret: str, method: str, uri: str, body: bytes, headers: Mapping[str, str], now: datetime
) -> bool:
    """Whether the request carries a fresh (within 5 min) and matching v3 signature.

    `uri` is the full URL HubSpot called: behind a proxy, built from `[webhooks] public_url`,
    never from the Host header, which the sender controls.
    """
    signature, timestamp = headers.get(SIGNATURE_HEADER), headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp or not timestamp.isdigit():
        return False
    if abs(now.timestamp() * 1000 - int(timestamp)) > MAX_AGE_MS:
        return False
    expected = v3_signature(secret, method, uri, body, timestamp)
    return hmac.compare_digest(expected.encode(), signature.encode())
