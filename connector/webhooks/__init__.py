"""The webhook receiver: routing, signature checks, 2xx only after the event is stored.

The generic half lives here; a CRM's own payloads are parsed in `adapters/<crm>/webhooks.py`.
"""

from __future__ import annotations

from connector.webhooks.app import SECRET_VARIABLE, STATUSES, create_app, signing_key
from connector.webhooks.sinks import Sink, store_ready, store_sink

__all__ = [
    "SECRET_VARIABLE",
    "STATUSES",
    "Sink",
    "create_app",
    "signing_key",
    "store_ready",
    "store_sink",
]
