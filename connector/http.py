"""One httpx client per CRM connection: timeouts, retries, a rate limiter, a call meter, logs.

Every CRM call goes through `make_client`'s transport, so retries, limits and counting are
in one place and respx (which patches the inner `httpx.HTTPTransport`) can fake any CRM.
SDKs built on `requests` are bridged onto the client with `RequestsBridge`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial

import httpx
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from connector.logs import scrub_credentials

__all__ = [
    "IDEMPOTENT_METHODS",
    "CallMeter",
    "RateLimiter",
    "RequestsBridge",
    "make_client",
]

log = logging.getLogger("leadscore.http")

#: The longest a Retry-After header may make us wait; longer asks are capped, not obeyed.
MAX_RETRY_AFTER_SECONDS = 120.0
#: Methods safe to repeat after a 5xx or a lost answer (RFC 9110): not POST.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
#: Status recorded by the meter for a call that got no response (connection error, timeout).
NO_RESPONSE = 0


class CallMeter:
    """A thread-safe count of the calls made through one client, by HTTP status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_status: Counter[int] = Counter()

    def record(self, status: int) -> None:
        """Count one call that ended with `status` (`NO_RESPONSE` when none came back)."""
        with self._lock:
            self._by_status[status] += 1

    @property
    def calls(self) -> int:
        """Every call made, retries included (each one costs API allowance)."""
        with self._lock:
            return sum(self._by_status.values())

    @property
    def by_status(self) -> dict[int, int]:
        """A snapshot of the calls by status."""
        with self._lock:
            return dict(self._by_status)


class RateLimiter:
    """At most `max_calls` calls in any `per_seconds` sliding window; `acquire` blocks."""

    def __init__(
        self,
        max_calls: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs max_calls >= 1 and per_seconds > 0")
        self.max_calls = max_calls
        self.per_seconds = per_seconds
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait until one more call fits in the window, then take its slot."""
        with self._lock:  # callers queue behind the sleeper: that is the point of a limiter
            while (wait := self._wait_needed()) > 0:
                self._sleep(wait)
            self._sent.append(self._clock())

    def _wait_needed(self) -> float:
        now = self._clock()
        while self._sent and self._sent[0] <= now - self.per_seconds:
            self._sent.popleft()
        if len(self._sent) < self.max_calls:
            return 0.0
        return self._sent[0] + self.per_seconds - now


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks (delta-seconds or HTTP-date), capped; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class _RetryableStatus(Exception):
    """A response whose status asks for another attempt; carries the (read) response."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class RetryingTransport(httpx.BaseTransport):
    """Wraps a transport with rate limiting, metering, logging and retries with backoff."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        limiter: RateLimiter | None,
        meter: CallMeter | None,
        max_attempts: int,
        retry_statuses: Collection[int],
        retry_methods: Collection[str] | None,
        sleep: Callable[[float], None],
    ) -> None:
        self._inner = inner
        self._retry_methods = None if retry_methods is None else frozenset(retry_methods)
        self._limiter = limiter
        self._meter = meter
        self._max_attempts = max_attempts
        self._retry_statuses = frozenset(retry_statuses)
        self._sleep = sleep
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=30.0, jitter=0.5)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request`, retrying 429/5xx/connection errors; the last answer is returned."""
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception(partial(self._may_retry, request.method)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, request)
        except _RetryableStatus as exhausted:
            return exhausted.response

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()

    def _may_retry(self, method: str, error: BaseException) -> bool:
        # A 429 or a connection never made means the server did nothing: always safe. A 5xx or
        # a lost answer may follow a write that happened, so only `retry_methods` repeat it.
        if isinstance(error, _RetryableStatus) and error.response.status_code == 429:
            return True
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return True
        if not isinstance(error, _RetryableStatus | httpx.TransportError):
            return False
        return self._retry_methods is None or method in self._retry_methods

    def _attempt(self, request: httpx.Request) -> httpx.Response:
        if self._limiter is not None:
            self._limiter.acquire()
        started = time.monotonic()
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as error:
            self._record(request, NO_RESPONSE, started, type(error).__name__)
            raise
        self._record(request, response.status_code, started, "")
        if response.status_code in self._retry_statuses:
            response.read()
            response.close()
            raise _RetryableStatus(response)
        return response

    def _record(self, request: httpx.Request, status: int, started: float, error: str) -> None:
        if self._meter is not None:
            self._meter.record(status)
        elapsed_ms = round((time.monotonic() - started) * 1000)
        target = _loggable_target(request.url)
        outcome = error or status
        fields = {"method": request.method, "target": target, "status": outcome}
        log.info(
            "%s %s -> %s in %d ms",
            request.method,
            target,
            outcome,
            elapsed_ms,
            extra={**fields, "duration_ms": elapsed_ms},
        )

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _RetryableStatus):
            asked = retry_after_seconds(error.response.headers.get("Retry-After"))
            if asked is not None:
                return asked
        return float(self._backoff(state))


def _loggable_target(url: httpx.URL) -> str:
    """The path and a redacted, shortened query: enough to debug, never a secret."""
    query = scrub_credentials(url.query.decode("ascii", "replace"))
    if len(query) > 200:
        query = query[:200] + "..."
    return scrub_credentials(url.path) + (f"?{query}" if query else "")


def make_client(
    *,
    base_url: str,
    headers: Mapping[str, str] | None = None,
    limiter: RateLimiter | None = None,
    meter: CallMeter | None = None,
    timeout: float = 30.0,
    max_attempts: int = 5,
    retry_statuses: Collection[int] = (429, 500, 502, 503, 504),
    retry_methods: Collection[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Client:
    """An httpx client for one CRM connection, every call limited, metered, logged, retried.

    `retry_methods` limits which methods are repeated after a 5xx or a lost answer (None: all);
    429s and failed connections are retried whatever the method.
    """
    transport = RetryingTransport(
        httpx.HTTPTransport(),
        limiter=limiter,
        meter=meter,
        max_attempts=max_attempts,
        retry_statuses=retry_statuses,
        retry_methods=retry_methods,
        sleep=sleep,
    )
    return httpx.Client(
        base_url=base_url,
        headers=dict(headers or {}),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        transport=transport,
    )


class RequestsBridge(BaseAdapter):
    """A `requests` transport adapter that sends every call through an `httpx.Client`.

    Mount it on the `requests.Session` given to simple-salesforce (`session=`) so its calls
    share the client's retries, limiter and meter. httpx errors become `requests` errors
    so the SDK's own handling still applies; adapters translate both.
    """

    def __init__(self, client: httpx.Client) -> None:
        super().__init__()
        self._client = client

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: object = None,
        verify: object = True,
        cert: object = None,
        proxies: object = None,
    ) -> requests.Response:
        """Send one prepared `requests` request through the httpx client."""
        body = request.body.encode() if isinstance(request.body, str) else request.body
        try:
            answer = self._client.request(
                request.method or "GET",
                request.url or "",
                headers=dict(request.headers),
                content=body,
            )
        except httpx.TimeoutException as error:
            raise requests.Timeout(str(error), request=request) from error
        except httpx.TransportError as error:
            raise requests.ConnectionError(str(error), request=request) from error
        return _to_requests_response(answer, request)

    def close(self) -> None:
        """The httpx client belongs to the caller; nothing to release here."""


def _to_requests_response(
    answer: httpx.Response, request: requests.PreparedRequest
) -> requests.Response:
    response = requests.Response()
    response.status_code = answer.status_code
    response.headers = CaseInsensitiveDict(answer.headers.items())
    response.headers.pop("content-encoding", None)  # httpx already decoded the body
    response._content = answer.content
    response.encoding = answer.encoding
    response.reason = answer.reason_phrase
    response.url = str(answer.url)
    response.request = request
    return response
