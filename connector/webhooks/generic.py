"""The generic endpoint: Standard Webhooks signatures, body `{"lead_ids": [...]}`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from connector.state import QueuedEvent
from connector.webhooks.errors import BadPayload, BadSignature

SOURCE = "generic"
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")

LeadId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class GenericPayload(BaseModel):
    """The body a generic sender posts; other keys are ignored (senders may add context)."""

    model_config = ConfigDict(strict=True)

    lead_ids: list[LeadId]


def verify(webhook: Webhook, body: bytes, headers: Mapping[str, str]) -> str:
    """The sender's message id once the signature and timestamp check out; BadSignature else."""
    present = {name: headers[name] for name in _HEADERS if name in headers}
    missing = [name for name in _HEADERS if not present.get(name)]
    if missing:
        raise BadSignature(f"missing header(s): {', '.join(missing)}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadPayload("body is not UTF-8 JSON") from None
    try:
        webhook.verify(text, present, json_parse=False)
    # The library raises ValueError too (a signature without "v1,", bad base64).
    except (WebhookVerificationError, ValueError):
        raise BadSignature("signature does not match, or the timestamp is over 5 min off") from None
    return present["webhook-id"]


def events(message_id: str, body: bytes) -> list[QueuedEvent]:
    """One event per distinct lead id of a verified body; BadPayload naming what is wrong."""
    payload = _payload(_json(body))
    lead_ids = dict.fromkeys(payload.lead_ids)  # a lead named twice is rescored once
    return [QueuedEvent(SOURCE, f"{message_id}:{lead_id}", lead_id) for lead_id in lead_ids]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as error:
        raise BadPayload(f"body is not valid JSON: {error}") from None


def _payload(data: Any) -> GenericPayload:
    try:
        return GenericPayload.model_validate(data)
    except ValidationError as error:
        raise BadPayload(f'expected {{"lead_ids": ["..."]}}: {_problems(error)}') from None


def _problems(error: ValidationError) -> str:
    # The location and the rule, never the input: it may hold personal data.
    parts = []
    for problem in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)
