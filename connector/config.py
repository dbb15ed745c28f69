"""Core configuration: the sections every run has, whichever CRM; read from TOML + environment.

The CRM sections (`[csv]`, `[salesforce]`, `[hubspot]`) belong to their adapters; the full
`Settings` that adds them is composed in `connector.compose`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from connector.errors import ConfigError
from connector.run.schedule import check_cron, parse_duration
from connector.scoring import RuleSet
from connector.validation import describe_validation_error, read_toml, secret_keys_in

_M = TypeVar("_M", bound=BaseModel)
_S = TypeVar("_S", bound="CoreSettings")

ENV_PREFIX = "LEADSCORE_"
ENV_DELIMITER = "__"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrmSettings(_Section):
    """Which CRM to talk to (an adapter plugin's name), and the mapping file for its fields."""

    adapter: str = "csv"
    mapping: Path | None = None


class FollowUpSettings(_Section):
    """The follow-up task created when a lead enters a follow-up band."""

    subject: str = "【要フォロー】{name}（{company}）スコア{score}"
    due_in_days: int = Field(default=2, ge=0)
    priority: str = "High"
    cooldown_days: int = Field(default=30, ge=0)
    #: The CRM user who takes a follow-up when the lead's owner cannot: no owner, an
    #: inactive user, a queue. Without one, such a lead's score is written and the task
    #: failure reported once.
    fallback_owner: str | None = Field(default=None, min_length=1)

    @field_validator("subject")
    @classmethod
    def _subject_formats(cls, value: str) -> str:
        return check_template(value)


class SafetySettings(_Section):
    """Guards against an input that is suddenly much smaller: a truncated or empty export."""

    #: Refuse a run whose source holds more than this share fewer leads than the last
    #: successful run's (0.5: half); 1 turns the guard off.
    max_shrink: float = Field(default=0.5, ge=0.0, le=1.0)


class StateSettings(_Section):
    """Where the sync state lives (default: a SQLite file in .leadscore/ beside the config)."""

    url: str | None = None
    #: How long to keep retrying a database server that does not accept connections yet (a
    #: container starting beside it); 0 fails on the first refusal.
    connect_timeout_seconds: float = Field(default=60, ge=0)


class WebhookSettings(_Section):
    """The webhook receiver of `leadscore serve` and the rescoring queue it feeds."""

    #: Standard Webhooks secret (`whsec_` + base64); environment only:
    #: LEADSCORE_WEBHOOKS__SECRET. `serve` refuses to start without it.
    secret: SecretStr | None = None
    #: Larger bodies are refused with 413 before they are read whole.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    #: The address senders reach the receiver at (behind a proxy): HubSpot signs it.
    public_url: str | None = None
    #: Wait this long after a lead's last event before rescoring it: a burst of edits in the
    #: CRM becomes one rescore.
    coalesce_seconds: float = Field(default=5, ge=0)
    #: Leads claimed and rescored per batch (one read, one write batch per CRM limit).
    batch_size: int = Field(default=200, ge=1)


class ScheduleSettings(_Section):
    """When `leadscore run` syncs: a cron line or an interval, and an optional nightly full run."""

    #: A five-field cron line in the config's `timezone`, e.g. "*/15 * * * *".
    cron: str | None = None
    #: Or an interval from one run's start to the next, e.g. "15m" (units d, h, m, s).
    every: str | None = None
    #: A cron line for a full rescore (every lead re-read, re-verified), e.g. "0 3 * * *".
    full_cron: str | None = None

    @field_validator("cron", "full_cron")
    @classmethod
    def _cron_line(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("every")
    @classmethod
    def _interval(cls, value: str | None) -> str | None:
        if value is not None and parse_duration(value).total_seconds() < 1:
            raise ValueError(f"{value!r} is shorter than a second")
        return value

    @model_validator(mode="after")
    def _one_cadence(self) -> Self:
        if self.cron is not None and self.every is not None:
            raise ValueError("set either schedule.cron or schedule.every, not both")
        return self


Role = Literal["schedule", "serve", "worker"]
ROLES: tuple[Role, ...] = ("schedule", "serve", "worker")


class RunSettings(_Section):
    """What `leadscore run` does in this process, and how long a stop may take."""

    #: The scheduled sync, the webhook receiver (with /healthz, /metrics), the queue worker.
    roles: list[Role] = Field(default_factory=lambda: list(ROLES), min_length=1)
    #: On SIGTERM, how long the run in hand may take to finish before the process exits 1.
    stop_timeout_seconds: float = Field(default=30, ge=0)


#: Placeholders a follow-up subject may use.
TEMPLATE_FIELDS = ("name", "company", "score", "priority", "lead_id", "title", "industry")


def check_template(template: str) -> str:
    """The template if it formats with the known fields; ValueError naming them otherwise."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError as error:
        raise ValueError(f"not a valid template: {error}") from None
    unknown = sorted(names - set(TEMPLATE_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown placeholder(s) {', '.join(unknown)}; use {', '.join(TEMPLATE_FIELDS)}"
        )
    return template


class CoreSettings(BaseSettings):
    """What every run needs, whichever CRM; built by `load_settings`, never from ambient files."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_DELIMITER, extra="forbid"
    )

    timezone: str = "Asia/Tokyo"
    crm: CrmSettings = CrmSettings()
    scoring: RuleSet
    follow_up: FollowUpSettings = FollowUpSettings()
    safety: SafetySettings = SafetySettings()
    state: StateSettings = StateSettings()
    webhooks: WebhookSettings = WebhookSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    run: RunSettings = RunSettings()
    config_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Tokyo"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML arrives as init kwargs (read by load_settings, which reports its errors
        # with line numbers); the environment overrides it; no .env file is read implicitly.
        return (env_settings, init_settings, file_secret_settings)


def read_settings(path: Path, model: type[_S]) -> _S:
    """Read the config file at `path` as `model`, with environment overrides applied."""
    data = read_toml(path, what="config", hint="pass --config PATH")
    secrets = secret_keys_in(model, data) + _state_password_in(data)
    if secrets:
        raise ConfigError(_secrets_message(path, secrets))
    try:
        settings = model(**data)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, path, model, ENV_PREFIX)) from None
    return _resolve_paths(settings, path.resolve().parent)


def _state_password_in(data: Mapping[str, Any]) -> list[str]:
    """`state.url` when the file's URL carries a password (a secret like any other)."""
    state = data.get("state")
    url = state.get("url") if isinstance(state, Mapping) else None
    try:
        has_password = isinstance(url, str) and urlsplit(url).password is not None
    except ValueError:  # not a URL at all: the state store says so when it opens it
        return []
    return ["state.url"] if has_password else []


def _secrets_message(path: Path, keys: list[str]) -> str:
    lines = [f"{path}: secrets are read only from the environment, never from the file:"]
    for key in keys:
        env_name = ENV_PREFIX + key.replace(".", ENV_DELIMITER).upper()
        lines.append(f"  {key}: remove it from the file and set {env_name} instead")
    return "\n".join(lines)


def _resolve_paths(settings: _S, base: Path) -> _S:
    """Relative paths in the config are relative to the config file's folder."""
    resolved = _resolve_model_paths(settings, base)
    return resolved.model_copy(update={"config_dir": base})


def _resolve_model_paths(model: _M, base: Path) -> _M:
    updates: dict[str, object] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, Path) and name != "config_dir":
            updates[name] = value if value.is_absolute() else base / value
        elif isinstance(value, BaseModel) and not isinstance(value, RuleSet):
            updates[name] = _resolve_model_paths(value, base)
    return model.model_copy(update=updates) if updates else model


__all__ = [
    "CoreSettings",
    "CrmSettings",
    "FollowUpSettings",
    "RunSettings",
    "SafetySettings",
    "ScheduleSettings",
    "StateSettings",
    "WebhookSettings",
    "check_template",
    "read_settings",
]
