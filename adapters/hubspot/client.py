"""hubspot-api-client bridged onto the shared httpx client, and the one place HubSpot errors
are translated into `connector.errors`.

The SDK builds URLs, bodies and the auth header; every request it makes goes through a
urllib3-shaped shim onto the injected `httpx.Client`, so the shared transport (timeouts,
retries, the app's rate limiter, the call meter) and respx in tests see every call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import httpx
from hubspot import HubSpot
from hubspot.crm.associations.v4.exceptions import ApiException as _AssociationsError
from hubspot.crm.associations.v4.schema.exceptions import ApiException as _LabelsError
from hubspot.crm.objects.exceptions import ApiException as _ObjectsError
from hubspot.crm.properties.exceptions import ApiException as _PropertiesError
from hubspot.events.exceptions import ApiException as _EventsError

from connector.errors import BudgetExhausted, FatalCrmError, RetriableCrmError
from connector.http import RateLimiter

Json = dict[str, Any]
Sleep = Callable[[float], None]
Clock = Callable[[], float]


class RawHttpError(Exception):
    """A non-2xx answer to a request made without the SDK, shaped like the SDK's errors."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.body = response.content
        self.headers = response.headers


#: Every generated SDK package has its own ApiException class; all carry status/body/headers.
SDK_ERRORS: tuple[type[Exception], ...] = (
    _ObjectsError,
    _AssociationsError,
    _LabelsError,
    _PropertiesError,
    _EventsError,
    RawHttpError,
)
_FAILURES: tuple[type[Exception], ...] = (*SDK_ERRORS, httpx.HTTPError)


class HubSpotRequestError(FatalCrmError):
    """HubSpot refused a request (4xx other than 423 and 429); `status` and `body` say why."""

    def __init__(self, status: int, body: Json, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class _ShimResponse:
    """An httpx response dressed as the urllib3 response the SDK's REST layer reads."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.data = response.content
        self.headers = response.headers

    def getheaders(self) -> Mapping[str, str]:
        """All headers (the SDK copies them into its exceptions)."""
        return self.headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """One header, or `default`."""
        value: str | None = self.headers.get(name, default)
        return value


class _HttpxPool:
    """Stands in for the SDK's urllib3 PoolManager: sends every request through httpx."""

    def __init__(self, client: httpx.Client, on_send: Callable[[], None]) -> None:
        self._client = client
        self._on_send = on_send

    def request(
        self,
        method: str,
        url: str,
        *,
        body: str | bytes | None = None,
        fields: Any = None,
        headers: Mapping[str, str] | None = None,
        **_: Any,
    ) -> _ShimResponse:
        """Send one request; urllib3 options (timeouts, preload) are the client's business."""
        params = fields if method in ("GET", "HEAD") else None
        self._on_send()
        response = self._client.request(
            method, url, content=body, params=params, headers=dict(headers or {})
        )
        return _ShimResponse(response)


class SdkApis:
    """The SDK API objects this adapter uses, built once on the shared client and cached."""

    def __init__(
        self,
        *,
        client: httpx.Client,
        base_url: str,
        access_token: str,
        on_send: Callable[[], None],
    ) -> None:
        self._pool = _HttpxPool(client, on_send)
        self._base_url = base_url.rstrip("/")
        self._cache: dict[tuple[str, str], Any] = {}
        sdk = HubSpot(access_token=access_token, api_factory=self._factory)
        self.search = sdk.crm.objects.search_api
        self.batch = sdk.crm.objects.batch_api
        self.associations = sdk.crm.associations.v4.batch_api
        self.association_labels = sdk.crm.associations.v4.schema.definitions_api
        self.properties = sdk.crm.properties.core_api
        self.groups = sdk.crm.properties.groups_api
        self.events = sdk.events.events_api

    def _factory(self, package: ModuleType, api_name: str, config: Mapping[str, Any]) -> Any:
        """`api_factory` hook: the SDK's ApiClient with its pool swapped for the httpx shim."""
        key = (package.__name__, api_name)
        if key not in self._cache:
            configuration = package.Configuration(host=self._base_url)
            configuration.access_token = config.get("access_token")
            api_client = package.ApiClient(configuration=configuration)
            api_client.rest_client.pool_manager = self._pool
            api_client.user_agent = "leadscore (hubspot-api-client)"
            self._cache[key] = getattr(package, api_name)(api_client=api_client)
        return self._cache[key]


def error_body(error: BaseException) -> Json:
    """The JSON body of an SDK error, or an empty dict."""
    try:
        parsed = json.loads(getattr(error, "body", None) or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


#: HubSpot: "Locks will last for 2 seconds ... include a delay of at least 2 seconds".
LOCK_SECONDS = 2.0


def retry_delay(error: BaseException, attempt: int) -> float:
    """How long to wait after a ten-secondly 429 or a 423: Retry-After when given, else backoff;
    never under the 2 seconds a 423 lock lasts."""
    floor = LOCK_SECONDS if _status(error) == 423 else 0.0
    headers = getattr(error, "headers", None) or {}
    retry_after = headers.get("Retry-After") if hasattr(headers, "get") else None
    if retry_after:
        try:
            return max(float(retry_after), floor)
        except ValueError:
            pass
    return max(float(min(2**attempt, 10)), floor)


def _status(error: BaseException) -> int:
    return int(getattr(error, "status", 0) or 0)


def translate(error: BaseException) -> Exception:
    """An SDK or httpx error as the `connector.errors` exception the caller acts on."""
    if isinstance(error, httpx.HTTPError):
        return RetriableCrmError(f"HubSpot unreachable: {type(error).__name__}: {error}")
    status = int(getattr(error, "status", 0) or 0)
    body = error_body(error)
    message = str(body.get("message") or getattr(error, "reason", "") or "no message")
    if status == 429 and body.get("policyName") == "DAILY":
        return BudgetExhausted(
            f"HubSpot daily API limit reached ({message}); it resets at midnight in the"
            " portal's time zone. The run stopped; rerun afterwards."
        )
    if status in (423, 429) or status >= 500 or status == 0:
        return RetriableCrmError(f"HubSpot {status or 'transport'} error: {message}")
    if status == 401:
        return FatalCrmError(
            "HubSpot rejected the token (401): check LEADSCORE_HUBSPOT__ACCESS_TOKEN."
        )
    if status == 403:
        return FatalCrmError(f"HubSpot refused access (403): {message}. Check the app's scopes.")
    return HubSpotRequestError(status, body, f"HubSpot refused the request ({status}): {message}")


def _worth_retrying(error: BaseException, server_errors: bool) -> bool:
    """A 429 of any policy but DAILY or a 423 (the portal is locked by a large sync: nothing
    was written); with `server_errors`, also 5xx and transport errors."""
    if is_backoff_429(error) or _status(error) == 423:
        return True
    if not server_errors:
        return False
    return isinstance(error, httpx.TransportError) or int(getattr(error, "status", 0)) >= 500


def is_backoff_429(error: BaseException) -> bool:
    """A 429 that waiting fixes (every policy but DAILY)."""
    status = getattr(error, "status", None)
    return status == 429 and error_body(error).get("policyName") != "DAILY"


class HubSpotCalls:
    """Makes HubSpot calls: SDK or raw, search-rate limited, 429-aware, errors translated."""

    def __init__(
        self,
        *,
        client: httpx.Client,
        base_url: str,
        access_token: str,
        search_rate_per_s: int,
        rate_limit_retries: int,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        #: Requests sent (retries included), for the run's `api_calls`.
        self.sent = 0
        self.sdk = SdkApis(
            client=client, base_url=base_url, access_token=access_token, on_send=self._count
        )
        self._client = client
        self._base_url = base_url.rstrip("/")
        self.token = access_token
        self._auth = {"Authorization": f"Bearer {access_token}"}
        self._search_limiter = RateLimiter(search_rate_per_s, 1.0, clock=clock, sleep=sleep)
        self._retries = rate_limit_retries
        self._sleep = sleep

    def sdk_call(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Json:
        """Call an SDK operation and return its JSON body (only 429s are retried here)."""
        return self._with_retries(lambda: operation(*args, _preload_content=False, **kwargs))

    def sdk_read(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Json:
        """Like `sdk_call`, for a POST that reads or overwrites: server errors retried too.

        The shared transport repeats only idempotent methods after a 5xx, and HubSpot reads
        with POST; creating records is never repeated (a 5xx may follow a create).
        """
        send = lambda: operation(*args, _preload_content=False, **kwargs)  # noqa: E731
        return self._with_retries(send, server_errors=True)

    def search(self, object_type: str, request: Json) -> Json:
        """One CRM search call, inside the search endpoints' own rate."""

        def send() -> Any:
            self._search_limiter.acquire()
            return self.sdk.search.do_search(object_type, request, _preload_content=False)

        return self._with_retries(send, server_errors=True)

    def raw(self, method: str, path: str, **kwargs: Any) -> Json:
        """A call the SDK does not cover, on the same client and with the same handling."""
        return self._with_retries(lambda: self._send_raw(method, path, **kwargs))

    def _count(self) -> None:
        self.sent += 1

    def _send_raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self._count()
        response = self._client.request(method, self._base_url + path, headers=self._auth, **kwargs)
        if not response.is_success:
            raise RawHttpError(response)
        return response

    def _with_retries(self, send: Callable[[], Any], *, server_errors: bool = False) -> Json:
        """Send; back off and resend on ten-secondly 429s and 423s (and, if asked, 5xx and
        lost connections); a DAILY 429 and every other failure are translated at once."""
        for attempt in range(self._retries + 1):
            try:
                return _json(_data(send()))
            except _FAILURES as error:
                if attempt == self._retries or not _worth_retrying(error, server_errors):
                    raise translate(error) from error
                self._sleep(retry_delay(error, attempt))
        raise AssertionError("unreachable")  # pragma: no cover


def _data(response: Any) -> bytes:
    """The body bytes of an SDK raw response or an httpx response."""
    return bytes(response.content if isinstance(response, httpx.Response) else response.data)


def _json(data: bytes) -> Json:
    """A JSON object body (empty for 204s)."""
    if not data:
        return {}
    parsed = json.loads(data)
    return parsed if isinstance(parsed, dict) else {"results": parsed}
