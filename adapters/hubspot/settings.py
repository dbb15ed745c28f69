"""HubSpot settings: the `[hubspot]` config table (connection, rates, lag, secrets)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

# Variable names, not secrets.
APP_SECRET_VARIABLE = "LEADSCORE_HUBSPOT__WEBHOOK_SECRET"  # noqa: S105
WORKFLOW_SECRET_VARIABLE = "LEADSCORE_HUBSPOT__WORKFLOW_SECRET"  # noqa: S105
#: The request header a workflow's "Send a webhook" action sends its API key in.
WORKFLOW_SECRET_HEADER = "X-Leadscore-Workflow-Key"  # noqa: S105
#: A shared key shorter than this is too easy to guess.
MIN_WORKFLOW_SECRET = 24


class HubSpotSettings(BaseModel):
    """Connection settings; the token and webhook secrets come from the environment only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = "https://api.hubapi.com"
    #: The app's burst budget (Free/Starter 100, Professional/Enterprise 190 per 10 s).
    rate_limit_per_10s: int = Field(default=100, ge=1)
    #: The CRM search endpoints' own limit, per account.
    search_rate_per_s: int = Field(default=5, ge=1)
    #: Seconds to wait for HubSpot's answer to one request.
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: Read page views from the events API (needs an Enterprise hub).
    events_api: bool = False
    #: How far the next run's cursor starts behind the clock: HubSpot's search index shows
    #: updates about a minute late, so a shorter lag could skip contacts changed meanwhile.
    search_lag_seconds: int = Field(default=120, ge=0)
    #: How often a ten-secondly 429 is retried (with backoff) before the call fails.
    rate_limit_retries: int = Field(default=6, ge=0)
    access_token: SecretStr | None = None
    #: The app's client secret: it signs app webhooks and a workflow's request signature.
    webhook_secret: SecretStr | None = None
    #: The key a workflow's "Send a webhook" action sends in WORKFLOW_SECRET_HEADER.
    workflow_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _ascii_token(self) -> HubSpotSettings:
        """A token goes into an HTTP header, which holds ASCII only: say so instead of crashing.

        Checked on the whole section, not the field, so the error shows no part of the token.
        """
        token = self.access_token
        if token is not None and not token.get_secret_value().isascii():
            raise ValueError(
                "LEADSCORE_HUBSPOT__ACCESS_TOKEN has a non-ASCII character (a full-width letter"
                " or a typographic quote, as pasting from a document leaves): copy the private"
                " app's token from HubSpot again"
            )
        return self

    @model_validator(mode="after")
    def _usable_workflow_secret(self) -> HubSpotSettings:
        """The workflow's key travels in a header (ASCII) and must resist guessing.

        Checked on the whole section, not the field, so the error shows no part of the key.
        """
        secret = self.workflow_secret
        if secret is None:
            return self
        value = secret.get_secret_value()
        if not value.isascii() or len(value) < MIN_WORKFLOW_SECRET:
            raise ValueError(
                f"{WORKFLOW_SECRET_VARIABLE} must be at least {MIN_WORKFLOW_SECRET} ASCII"
                " characters (e.g. the output of `openssl rand -hex 24`)"
            )
        return self
