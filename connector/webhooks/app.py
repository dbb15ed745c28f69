"""The receiver: a Starlette app that answers 2xx only once the events are stored."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.registry import Collector
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.config import CoreSettings
from connector.errors import ConfigError, StateError, WebhookRejected
from connector.webhooks import generic
from connector.webhooks.body import read_limited
from connector.webhooks.crm import CrmEndpoint
from connector.webhooks.errors import BadPayload, BadSignature, BodyTooLarge, Rejected
from connector.webhooks.metrics import Metrics
from connector.webhooks.sinks import Sink, awaited
from connector.webhooks.stored_log import StoredLog

log = logging.getLogger("leadscore.webhooks")

SECRET_VARIABLE = "LEADSCORE_WEBHOOKS__SECRET"  # noqa: S105 - a variable name, not a secret
#: Told to a sender refused with 503 (the store is down): long enough for a restart.
RETRY_AFTER_SECONDS = 30

#: The one table of refusals -> HTTP statuses.
STATUSES: dict[type[Exception], int] = {
    BadPayload: 400,
    BadSignature: 401,
    BodyTooLarge: 413,
    StateError: 503,
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def signing_key(settings: CoreSettings) -> Webhook:
    """The generic endpoint's verifier; ConfigError naming the variable when none is usable."""
    secret = settings.webhooks.secret
    if secret is None or not secret.get_secret_value():
        raise ConfigError(f"leadscore serve needs a webhook secret: set {SECRET_VARIABLE}")
    try:
        return Webhook(secret.get_secret_value())
    except Exception:  # the library raises binascii.Error, EmptyWebhookSecretError, ...
        raise ConfigError(f"{SECRET_VARIABLE} is not 'whsec_' followed by base64") from None


class Receiver:
    """The endpoints, with what they share: verifier, sink, probe, clock, metrics."""

    def __init__(
        self,
        settings: CoreSettings,
        sink: Sink,
        ready: Callable[[], bool],
        clock: Callable[[], datetime],
        crm: CrmEndpoint | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.webhook = signing_key(settings)
        self.limit = settings.webhooks.max_body_bytes
        self.public_url = settings.webhooks.public_url
        self.crm = crm
        self.ready, self.clock = ready, clock
        # Blocking database I/O, kept off the event loop (one thread handoff per commit).
        self.store = awaited(sink)
        self.metrics = Metrics(registry)
        # The generic endpoint's counters, looked up once: labels() takes a lock each call.
        self.generic_counts = self.metrics.of_source(generic.SOURCE)
        self.stored_log = StoredLog()

    async def healthz(self, request: Request) -> Response:
        """Up: the process answers."""
        return JSONResponse({"ok": True})

    async def readyz(self, request: Request) -> Response:
        """Ready: the state store answers, so accepted events can be stored."""
        ok = await run_in_threadpool(self.ready)
        if ok:
            return JSONResponse({"ok": True})
        return JSONResponse({"ok": False}, status_code=503, headers=_retry_after())

    async def metrics_page(self, request: Request) -> Response:
        """The metrics in Prometheus' text format."""
        # Off the event loop: collectors may read the state store.
        page = await run_in_threadpool(generate_latest, self.metrics.registry)
        return Response(page, media_type=CONTENT_TYPE_LATEST)

    async def generic(self, request: Request) -> Response:
        """Verify, parse, store, and only then answer 202."""
        request.state.source = generic.SOURCE
        counts = self.generic_counts
        counts.received.inc()
        body = await read_limited(request, self.limit)
        message_id = generic.verify(self.webhook, body, request.headers)
        events = generic.events(message_id, body)
        stored = await self.store(events, self.clock())
        duplicates = len(events) - stored
        counts.stored.inc(stored)
        counts.duplicates.inc(duplicates)
        self.stored_log.add(generic.SOURCE, stored, duplicates, message_id)
        return _stored_response(stored, duplicates)

    async def crm_push(self, request: Request) -> Response:
        """The CRM's own push: the adapter verifies and reads it; stored before the answer."""
        crm = self.crm
        if crm is None:  # the route exists only with a CRM endpoint
            return JSONResponse({"error": "not_found"}, status_code=404)
        request.state.source = crm.name
        self.metrics.received.labels(crm.name).inc()
        body = await read_limited(request, self.limit)
        try:
            queued = crm.read(request, body, self.public_url, self.clock())
        except WebhookRejected as error:
            self.metrics.rejected.labels(crm.name, f"http_{error.status}").inc()
            extra = {"source": crm.name, "status": error.status}
            log.warning("webhook refused: %s", error, extra=extra)
            return crm.rejected(error.status, error.reason)
        try:
            stored = await self.store(queued, self.clock())
        except StateError:
            self.metrics.rejected.labels(crm.name, "store_unavailable").inc()
            refusal = crm.rejected(503, "state store unavailable; retry later")
            refusal.headers.update(_retry_after())
            return refusal
        self.metrics.stored.labels(crm.name).inc(stored)
        self.metrics.duplicates.labels(crm.name).inc(len(queued) - stored)
        self.stored_log.add(crm.name, stored, len(queued) - stored)
        return crm.accepted(stored, len(queued) - stored)

    async def refused(self, request: Request, error: Exception) -> Response:
        """Every refusal, in one place: status from STATUSES, counted, logged without the body."""
        status, reason, told = _refusal(error)
        source = getattr(request.state, "source", "unknown")
        self.metrics.rejected.labels(source, reason).inc()
        logged = {"source": source, "reason": reason, "status": status}
        log.warning("webhook refused: %s", error, extra=logged)
        headers = _retry_after() if status == 503 else None
        return JSONResponse({"error": reason, "detail": told}, status_code=status, headers=headers)


def _stored_response(stored: int, duplicates: int) -> Response:
    """The 202 of a stored delivery: the bytes JSONResponse would render, without json.dumps."""
    body = f'{{"stored":{stored},"duplicates":{duplicates}}}'.encode()
    return Response(body, status_code=202, media_type="application/json")


def _retry_after() -> dict[str, str]:
    """When a sender refused for a passing reason (the store is down) should try again."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _refusal(error: Exception) -> tuple[int, str, str]:
    """(HTTP status, metric reason, what the sender is told) for a refused request."""
    status = next(code for kind, code in STATUSES.items() if isinstance(error, kind))
    if isinstance(error, Rejected):
        return status, error.reason, error.message
    # A StateError's text names the database, which a sender has no business seeing.
    return status, "store_unavailable", "state store unavailable; retry later"


def create_app(
    settings: CoreSettings,
    sink: Sink,
    ready: Callable[[], bool],
    clock: Callable[[], datetime] = _utc_now,
    crm: CrmEndpoint | None = None,
    *,
    registry: CollectorRegistry | None = None,
    extra_collectors: Iterable[Collector] = (),
) -> Starlette:
    """The receiver app; ConfigError when the webhook secret is missing or malformed.

    /metrics serves `registry` (a new one by default) with the receiver's counters added;
    `extra_collectors` (the queue gauges, a scheduler's) are registered on it too.
    """
    receiver = Receiver(settings, sink, ready, clock, crm, registry)
    for collector in extra_collectors:
        receiver.metrics.registry.register(collector)
    routes = [
        Route("/healthz", receiver.healthz, methods=["GET"]),
        Route("/readyz", receiver.readyz, methods=["GET"]),
        Route("/metrics", receiver.metrics_page, methods=["GET"]),
        Route("/webhooks/generic", receiver.generic, methods=["POST"]),
    ]
    if crm is not None:
        routes.append(Route(crm.path, receiver.crm_push, methods=["POST"]))
    handlers = {kind: receiver.refused for kind in STATUSES}
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.receiver = receiver
    return app
