"""Configuration: one TOML file plus LEADSCORE_ environment overrides, validated up front."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from adapters.hubspot_config import HubSpotSettings
from adapters.salesforce_settings import SALESFORCE_CREDENTIALS_HELP, SalesforceSettings
from connector.config_errors import describe_validation_error, secret_keys_in
from connector.errors import ConfigError
from connector.followup import check_template
from connector.scoring import RuleSet

_M = TypeVar("_M", bound=BaseModel)

ENV_PREFIX = "LEADSCORE_"
ENV_DELIMITER = "__"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrmSettings(_Section):
    """Which CRM to talk to, and the mapping file that translates its fields."""

    adapter: Literal["csv", "salesforce", "hubspot"] = "csv"
    mapping: Path | None = None


class CsvSettings(_Section):
    """The local-files "CRM": input files and where results are written."""

    leads: Path
    activities: Path
    output_dir: Path = Path("out")


class FollowUpSettings(_Section):
    """The follow-up task created when a lead enters a follow-up band."""

    subject: str = "【要フォロー】{name}（{company}）スコア{score}"
    due_in_days: int = Field(default=2, ge=0)
    priority: str = "High"
    cooldown_days: int = Field(default=30, ge=0)

    @field_validator("subject")
    @classmethod
    def _subject_formats(cls, value: str) -> str:
        return check_template(value)


class StateSettings(_Section):
    """Where the sync state lives (default: a SQLite file in .leadscore/ beside the config)."""

    url: str | None = None


class Settings(BaseSettings):
    """Everything a run needs; built by `load_settings`, never from ambient files."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_DELIMITER, extra="forbid"
    )

    timezone: str = "Asia/Tokyo"
    crm: CrmSettings = CrmSettings()
    csv: CsvSettings | None = None
    scoring: RuleSet
    follow_up: FollowUpSettings = FollowUpSettings()
    state: StateSettings = StateSettings()
    salesforce: SalesforceSettings | None = None
    hubspot: HubSpotSettings | None = None
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

    @model_validator(mode="after")
    def _adapter_has_its_section(self) -> Self:
        adapter = self.crm.adapter
        if adapter == "csv" and self.csv is None:
            raise ValueError("crm.adapter = 'csv' needs a [csv] section with leads and activities")
        if adapter == "salesforce" and self.salesforce is None:
            raise ValueError(f"crm.adapter = 'salesforce': {SALESFORCE_CREDENTIALS_HELP}")
        if adapter == "hubspot" and (self.hubspot is None or self.hubspot.access_token is None):
            raise ValueError(
                "crm.adapter = 'hubspot' needs a private app's access token in the environment: "
                "set LEADSCORE_HUBSPOT__ACCESS_TOKEN"
            )
        if adapter != "csv" and self.crm.mapping is None:
            raise ValueError(
                f"crm.adapter = {adapter!r} needs crm.mapping = 'mappings/{adapter}.toml'"
            )
        return self

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


def load_settings(path: Path) -> Settings:
    """Read and validate the config file at `path`, with environment overrides applied."""
    data = _read_toml(path)
    secrets = secret_keys_in(Settings, data)
    if secrets:
        raise ConfigError(_secrets_message(path, secrets))
    try:
        settings = Settings(**data)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, path, Settings, ENV_PREFIX)) from None
    return _resolve_paths(settings, path.resolve().parent)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (pass --config PATH)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file: {error.strerror}") from None


def _secrets_message(path: Path, keys: list[str]) -> str:
    lines = [f"{path}: secrets are read only from the environment, never from the file:"]
    for key in keys:
        env_name = ENV_PREFIX + key.replace(".", ENV_DELIMITER).upper()
        lines.append(f"  {key}: remove it from the file and set {env_name} instead")
    return "\n".join(lines)


def _resolve_paths(settings: Settings, base: Path) -> Settings:
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
    "CrmSettings",
    "CsvSettings",
    "FollowUpSettings",
    "Settings",
    "StateSettings",
    "load_settings",
]
