"""A CRM's own pushes at /webhooks/<crm>: the adapter verifies and reads, the receiver stores.

HubSpot signs the URL it called, so behind a proxy the request URL is rebuilt from
`[webhooks] public_url`; the adapter answers in the CRM's terms (Salesforce wants its SOAP
`Ack`, or a fault to retry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.ports import WebhookReply, WebhookRequest, WebhookSupport
from connector.state import QueuedEvent


@dataclass(frozen=True, slots=True)
class CrmEndpoint:
    """One CRM's webhook support with its config section, served at /webhooks/<name>."""

    name: str
    section: Any
    support: WebhookSupport[Any]

    @property
    def path(self) -> str:
        """Where the CRM posts."""
        return f"/webhooks/{self.name}"

    def read(
        self, request: Request, body: bytes, public_url: str | None, at: datetime
    ) -> list[QueuedEvent]:
        """The events a verified push names, as the queue keeps them; WebhookRejected if not."""
        events = self.support.read(self.section, _as_sent(request, body, public_url, at))
        return [QueuedEvent(self.name, e.event_id, e.lead_id, e.action) for e in events]

    def accepted(self, stored: int, duplicates: int) -> Response:
        """The CRM's own acknowledgement, or a JSON count."""
        if self.support.accepted is None:
            return JSONResponse({"stored": stored, "duplicates": duplicates})
        return _response(self.support.accepted(stored))

    def rejected(self, status: int, reason: str) -> Response:
        """The CRM's own refusal, or JSON."""
        if self.support.rejected is None:
            return JSONResponse({"error": reason}, status_code=status)
        return _response(self.support.rejected(status, reason))


def _as_sent(request: Request, body: bytes, public_url: str | None, at: datetime) -> WebhookRequest:
    """The request as the CRM sent and signed it: behind a proxy, at the public URL."""
    url = str(request.url)
    if public_url:
        query = f"?{request.url.query}" if request.url.query else ""
        url = public_url.rstrip("/") + request.url.path + query
    headers = {name.lower(): value for name, value in request.headers.items()}
    return WebhookRequest(request.method, url, headers, body, at)


def _response(reply: WebhookReply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type)
