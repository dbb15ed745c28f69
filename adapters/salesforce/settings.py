"""The `[salesforce]` config section: where the org is, how to log in, how hard to push it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

SalesforceObject = Literal["Lead", "Contact"]
_LEADS: tuple[SalesforceObject, ...] = ("Lead",)

SALESFORCE_CREDENTIALS_HELP = (
    "Salesforce needs one way to log in, from the environment: "
    "LEADSCORE_SALESFORCE__INSTANCE_URL + LEADSCORE_SALESFORCE__ACCESS_TOKEN (a session), "
    "or salesforce.username + LEADSCORE_SALESFORCE__PASSWORD "
    "+ LEADSCORE_SALESFORCE__SECURITY_TOKEN, "
    "or salesforce.username + salesforce.consumer_key + LEADSCORE_SALESFORCE__PRIVATE_KEY "
    "(or salesforce.private_key_file) for the OAuth JWT bearer flow"
)


class SalesforceSettings(BaseModel):
    """Connection, credentials (secrets from the environment only) and limits for one org."""

    model_config = ConfigDict(extra="forbid")

    instance_url: str | None = None
    #: "login" (production), "test" (sandbox), or a My Domain prefix such as "acme.my".
    domain: str = "login"
    api_version: str = Field(default="59.0", pattern=r"^\d{2,3}\.0$")
    username: str | None = None
    consumer_key: str | None = None
    private_key_file: Path | None = None
    objects: list[SalesforceObject] = Field(default_factory=lambda: list(_LEADS), min_length=1)
    #: Stop cleanly when less than this share of the org's daily API allowance remains.
    budget_reserve: float = Field(default=0.2, ge=0.0, lt=1.0)
    #: Score writes larger than this go through Bulk API 2.0 instead of sObject Collections
    #: (Salesforce's advice: bulk above 2,000 records); 0 turns Bulk API off.
    bulk_threshold: int = Field(default=2000, ge=0)
    #: Seconds between two looks at a running bulk job (each look is an API call).
    bulk_poll_seconds: float = Field(default=5.0, ge=0)
    #: Client-side ceiling, in calls per second (the org's limit is daily and org-wide).
    rate_limit: int = Field(default=20, ge=1)
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: The org whose Outbound Messages the receiver accepts (15 or 18 characters: Setup >
    #: Company Information); messages from any other org are refused.
    organization_id: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$")
    #: Longest encoded query URL sent; Salesforce refuses URI + headers over 16,384 bytes.
    max_query_url_bytes: int = Field(default=12000, ge=2000, le=16000)

    access_token: SecretStr | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    private_key: SecretStr | None = None

    @field_validator("access_token")
    @classmethod
    def _token_fits_a_header(cls, token: SecretStr | None) -> SecretStr | None:
        # The token travels in the Authorization header, which HTTP keeps to ASCII; passwords
        # and security tokens go in the SOAP login body (UTF-8, XML-escaped): any text works.
        position = _first_non_ascii(token.get_secret_value()) if token is not None else None
        if position is not None:
            raise ValueError(
                "LEADSCORE_SALESFORCE__ACCESS_TOKEN must be ASCII, as Salesforce issues it, "
                f"but has another character at position {position + 1}: copy it again "
                "without typographic quotes, an ellipsis or other text around it"
            )
        return token

    @model_validator(mode="after")
    def _one_way_to_log_in(self) -> Self:
        if not self.has_session() and self.renewal_flow() is None:
            raise ValueError(SALESFORCE_CREDENTIALS_HELP)
        return self

    def has_session(self) -> bool:
        """Whether a ready session (instance URL + access token) was supplied."""
        return bool(self.instance_url and self.access_token)

    def renewal_flow(self) -> Literal["password", "jwt"] | None:
        """The login the credentials allow, which also renews an expired session; None if none."""
        if self.username and self.consumer_key and (self.private_key or self.private_key_file):
            return "jwt"
        if self.username and self.password and self.security_token:
            return "password"
        return None


def _first_non_ascii(text: str) -> int | None:
    return next((index for index, char in enumerate(text) if not char.isascii()), None)
