"""Why a webhook request was refused; `connector.webhooks.app` maps each to one HTTP status."""

from __future__ import annotations


class Rejected(Exception):
    """A request refused before anything was stored; `reason` labels the metric."""

    reason = "rejected"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadSignature(Rejected):
    """Missing or wrong signature headers, or a timestamp outside the tolerance."""

    reason = "signature"


class BadPayload(Rejected):
    """The body is not JSON, or not the shape the endpoint takes."""

    reason = "payload"


class BodyTooLarge(Rejected):
    """The body is over `[webhooks] max_body_bytes`."""

    reason = "too_large"
