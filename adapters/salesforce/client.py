"""A logged-in Salesforce connection over the metered client: login, renewal, budget, errors.

The one place where simple-salesforce and `requests` exceptions become leadscore errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import httpx
import jwt
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)
from simple_salesforce.util import exception_handler

from adapters.salesforce.settings import SalesforceSettings
from connector.errors import (
    BudgetExhausted,
    ConfigError,
    CrmError,
    FatalCrmError,
    RetriableCrmError,
)
from connector.http import RequestsBridge

log = logging.getLogger("leadscore.salesforce")

T = TypeVar("T")

#: sObject Collections take at most 200 records a call.
COLLECTION_LIMIT = 200

_EXPIRED_HELP = (
    "the Salesforce session expired or was revoked; set LEADSCORE_SALESFORCE__ACCESS_TOKEN to a "
    "fresh token, or configure username + password + security token (or the JWT bearer flow) "
    "so leadscore can renew it"
)


class ApiBudget:
    """The org's daily API allowance as last reported, and the share kept in reserve."""

    def __init__(self, reserve: float) -> None:
        self.reserve = reserve
        self.used: int | None = None
        self.total: int | None = None

    def observe(self, used: int, total: int) -> None:
        """Record the usage a response reported (`Sforce-Limit-Info` or /limits)."""
        self.used, self.total = used, total

    @property
    def remaining(self) -> int | None:
        """Calls left in the rolling 24 hours, if known."""
        if self.used is None or self.total is None:
            return None
        return max(self.total - self.used, 0)

    def exhausted(self) -> bool:
        """Whether what remains has fallen under the reserve."""
        remaining = self.remaining
        if remaining is None or not self.total:
            return False
        return remaining < self.reserve * self.total

    def guard(self) -> None:
        """Raise BudgetExhausted before spending a call the reserve forbids."""
        if self.exhausted():
            raise BudgetExhausted(
                f"Salesforce API allowance low: {self.remaining} of {self.total} daily calls "
                f"left, under the {self.reserve:.0%} reserve (salesforce.budget_reserve); "
                "the run stopped before using more"
            )


class SalesforceConnection:
    """simple-salesforce on the metered client, logged in lazily, every call guarded."""

    def __init__(
        self, *, settings: SalesforceSettings, session: requests.Session, budget: ApiBudget
    ) -> None:
        self.settings = settings
        self.budget = budget
        self._session = session
        self._sf: Salesforce | None = None
        self._user_id: str | None = None
        self._user_asked = False
        self.calls = 0  # API calls attempted through `call` (retries inside it not counted)

    @classmethod
    def over(
        cls, settings: SalesforceSettings, client: httpx.Client, budget: ApiBudget
    ) -> SalesforceConnection:
        """A connection whose every call goes through the httpx `client`."""
        session = requests.Session()
        bridge = RequestsBridge(client)
        session.mount("https://", bridge)
        session.mount("http://", bridge)
        return cls(settings=settings, session=session, budget=budget)

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce object, logging in on first use."""
        if self._sf is None:
            self._sf = self.call(lambda: self._connect(renew=False))
        return self._sf

    @property
    def base_url(self) -> str:
        """`https://<instance>/services/data/vXX.X/`."""
        return str(self.sf.base_url)

    def call(self, action: Callable[[], T]) -> T:
        """Run one API call: budget checked, session renewed once if allowed, errors translated."""
        self.budget.guard()
        self.calls += 1
        try:
            try:
                result = action()
            except SalesforceExpiredSession:
                self._renew()
                result = action()
        except (SalesforceError, requests.RequestException) as error:
            raise translate(error) from None
        self._observe_usage()
        return result

    def query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record of a SOQL query, page by page (`nextRecordsUrl`), one call per page.

        `include_deleted` runs it as `queryAll`: deleted records (`IsDeleted = true`) too.
        """
        page = self.call(lambda: self.sf.query(soql, include_deleted=include_deleted))
        while True:
            yield from page["records"]
            if page.get("done", True):
                return
            page = self.call(partial(self.sf.query_more, page["nextRecordsUrl"], True))

    def user_id(self) -> str | None:
        """The id of the user the session runs as (OAuth `userinfo`, asked once); None if untold."""
        if not self._user_asked:
            self._user_id, self._user_asked = self._ask_user_id(), True
        return self._user_id

    def _ask_user_id(self) -> str | None:
        def ask() -> requests.Response:
            url = f"https://{self.sf.sf_instance}/services/oauth2/userinfo"
            response = self._session.get(url, headers=self.sf.headers)
            if response.status_code == 401:  # expired: `call` renews the session and asks again
                exception_handler(response, name="userinfo")
            return response

        response = self.call(ask)
        user_id = _json_object(response).get("user_id") if response.status_code == 200 else None
        if not isinstance(user_id, str) or not user_id:
            log.warning(
                "Salesforce did not tell the session's user (userinfo answered %s): the next "
                "run rereads every lead this run writes",
                response.status_code,
            )
            return None
        return user_id

    def rest(
        self,
        path: str,
        *,
        method: str = "GET",
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """One REST call relative to the versioned data URL; the decoded JSON answer."""
        return self.call(lambda: self.sf.restful(path, params=params, method=method, json=json))

    def collection(self, method: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One sObject Collections call (at most `COLLECTION_LIMIT` records): a result each."""
        body = {"allOrNone": False, "records": records}
        return list(self.rest("composite/sobjects", method=method, json=body) or [])

    def tooling_query(self, soql: str) -> list[dict[str, Any]]:
        """The records of a Tooling API query (small results: one page)."""
        answer = self.rest("tooling/query/", params={"q": soql})
        return list(answer.get("records", [])) if answer else []

    def raw(
        self, path: str, *, method: str = "GET", body: bytes | None = None, content_type: str = ""
    ) -> requests.Response:
        """One call whose body or answer is not JSON (Bulk API 2.0 CSV); errors translated."""

        def send() -> requests.Response:
            headers = {
                **self.sf.headers,
                **({"Content-Type": content_type} if content_type else {}),
            }
            response = self._session.request(
                method, self.base_url + path, data=body, headers=headers
            )
            if response.status_code >= 300:
                exception_handler(response, name=path)
            limit_info = response.headers.get("Sforce-Limit-Info")
            if limit_info:  # simple-salesforce reads it only on its own calls
                self.sf.api_usage = Salesforce.parse_api_usage(limit_info)
            return response

        return self.call(send)

    def _renew(self) -> None:
        if self.settings.renewal_flow() is None:
            raise FatalCrmError(_EXPIRED_HELP)
        log.info("Salesforce session expired; logging in again")
        self._sf = self._connect(renew=True)

    def _connect(self, *, renew: bool) -> Salesforce:
        settings = self.settings
        common: dict[str, Any] = {"session": self._session, "version": settings.api_version}
        if settings.has_session() and not renew:
            token = settings.access_token.get_secret_value() if settings.access_token else ""
            return Salesforce(instance_url=settings.instance_url, session_id=token, **common)
        common["domain"] = settings.domain
        if settings.renewal_flow() == "jwt":
            return self._jwt_login(common)
        return Salesforce(
            username=settings.username,
            password=_secret(settings.password),
            security_token=_secret(settings.security_token),
            **common,
        )

    def _jwt_login(self, common: dict[str, Any]) -> Salesforce:
        settings = self.settings
        key_file = str(settings.private_key_file) if settings.private_key_file else None
        try:
            return Salesforce(
                username=settings.username,
                consumer_key=settings.consumer_key,
                privatekey=_secret(settings.private_key),
                privatekey_file=key_file,
                **common,
            )
        except (OSError, ValueError, TypeError, jwt.PyJWTError) as error:
            raise ConfigError(
                "the JWT bearer flow needs an RSA private key in PEM "
                "(LEADSCORE_SALESFORCE__PRIVATE_KEY or salesforce.private_key_file): "
                f"{type(error).__name__}"
            ) from None

    def _observe_usage(self) -> None:
        usage = self._sf.api_usage.get("api-usage") if self._sf is not None else None
        if usage is not None:
            self.budget.observe(usage.used, usage.total)


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def error_codes(error: SalesforceError) -> list[str]:
    """The `errorCode`s of a Salesforce error body (`[{message, errorCode, fields}]`)."""
    content: Any = error.content if isinstance(error.content, list) else []
    return [str(item.get("errorCode", "")) for item in content if isinstance(item, dict)]


def error_text(error: SalesforceError) -> str:
    """The messages of a Salesforce error body, or its raw content."""
    content: Any = error.content
    if isinstance(content, list):
        return "; ".join(
            f"{item.get('errorCode', '')}: {item.get('message', '')}"
            for item in content
            if isinstance(item, dict)
        )
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content)[:300]


def translate(error: SalesforceError | requests.RequestException) -> CrmError:
    """The leadscore error for a simple-salesforce or `requests` failure."""
    if isinstance(error, requests.RequestException):
        return RetriableCrmError(f"Salesforce did not answer: {type(error).__name__}: {error}")
    if isinstance(error, SalesforceAuthenticationFailed):
        return FatalCrmError(f"Salesforce login failed: {error_text(error)}")
    if isinstance(error, SalesforceExpiredSession):
        return FatalCrmError(_EXPIRED_HELP)
    if isinstance(error, SalesforceRefusedRequest) and "REQUEST_LIMIT_EXCEEDED" in error_codes(
        error
    ):
        return BudgetExhausted(
            "Salesforce refused the call: the org's API request limit is exceeded "
            "(REQUEST_LIMIT_EXCEEDED); the run stopped, rerun when the allowance recovers"
        )
    where = f"{error.resource_name or 'call'} ({error.status})"
    if error.status == 429 or error.status >= 500:
        return RetriableCrmError(f"Salesforce failed {where} after retries: {error_text(error)}")
    hint = ""
    if {"INVALID_FIELD", "INVALID_TYPE", "INSUFFICIENT_ACCESS"} & set(error_codes(error)):
        hint = " (run `leadscore check` to list what the mapping needs and the org lacks)"
    return FatalCrmError(f"Salesforce refused {where}: {error_text(error)}{hint}")
