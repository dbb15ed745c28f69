"""The composition root: the table of adapter plugins, the full Settings, and what to build.

The one module of `connector/` that imports `adapters/`. Adding a CRM adds its plugin to
`PLUGINS`; the config section, the `[crm] adapter` name and `check`/`setup` follow from it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Self

from pydantic import create_model, field_validator, model_validator

from adapters import files, hubspot, salesforce
from connector.config import CoreSettings, CrmSettings, read_settings
from connector.errors import ConfigError
from connector.ports import (
    Adapter,
    AdapterContext,
    AdapterPlugin,
    InputProblem,
    ProblemSink,
    WebhookSupport,
)
from connector.state import StateStore, default_state_url

PLUGINS: dict[str, AdapterPlugin[Any]] = {
    plugin.name: plugin for plugin in (files.PLUGIN, salesforce.PLUGIN, hubspot.PLUGIN)
}


class _CrmSection(CrmSettings):
    """`[crm]`, whose `adapter` must name a plugin of the table."""

    @field_validator("adapter")
    @classmethod
    def _known_adapter(cls, name: str) -> str:
        if name not in PLUGINS:
            valid = ", ".join(repr(known) for known in sorted(PLUGINS))
            raise ValueError(f"unknown adapter; valid adapters: {valid}")
        return name


class _ComposedSettings(CoreSettings):
    """Checks that the adapter named in `[crm]` has its section and mapping."""

    crm: _CrmSection = _CrmSection()

    @model_validator(mode="after")
    def _adapter_has_its_section(self) -> Self:
        name = self.crm.adapter
        plugin = PLUGINS[name]
        section = getattr(self, name)
        if section is None or not plugin.ready(section):
            raise ValueError(f"crm.adapter = {name!r}: {plugin.missing_help}")
        if plugin.needs_mapping and self.crm.mapping is None:
            raise ValueError(f"crm.adapter = {name!r} needs crm.mapping = 'mappings/{name}.toml'")
        return self


_SECTIONS: dict[str, Any] = {
    name: (plugin.settings | None, None) for name, plugin in PLUGINS.items()
}

#: Core settings plus one optional section per plugin, named after it (`[salesforce]`, ...).
Settings: type[_ComposedSettings] = create_model(
    "Settings",
    __base__=_ComposedSettings,
    __module__=__name__,
    __doc__="Everything a run needs: core settings and one section per adapter plugin.",
    **_SECTIONS,
)


def load_settings(path: Path) -> _ComposedSettings:
    """Read and validate the config file at `path`, with environment overrides applied."""
    return read_settings(path, Settings)


def section(settings: CoreSettings, name: str) -> Any:
    """The config section of plugin `name` (None when the file has none)."""
    return getattr(settings, name, None)


def build_adapter(settings: CoreSettings, on_problem: ProblemSink) -> Adapter:
    """The adapter `[crm] adapter` names, ready to read and write."""
    name = settings.crm.adapter
    plugin = PLUGINS.get(name)
    config = section(settings, name)
    if plugin is None or config is None:  # the settings validator makes this unreachable
        raise ConfigError(f"crm.adapter = {name!r} is not a configured adapter")
    context = AdapterContext(settings.crm.mapping, settings.zone, on_problem)
    return plugin.build(config, context)


@dataclass(frozen=True, slots=True)
class CrmWebhook:
    """The configured CRM's own pushes, as the receiver serves them at /webhooks/<name>."""

    name: str
    section: Any
    support: WebhookSupport[Any]


def crm_webhook(settings: CoreSettings) -> CrmWebhook | None:
    """The configured adapter's webhook support, when it has one (HubSpot, Salesforce)."""
    name = settings.crm.adapter
    plugin, config = PLUGINS.get(name), section(settings, name)
    if plugin is None or plugin.webhook is None or config is None:
        return None
    return CrmWebhook(name, config, _bound(plugin.webhook, config, settings))


def _bound(
    support: WebhookSupport[Any], config: Any, settings: CoreSettings
) -> WebhookSupport[Any]:
    """The support with its reader bound to the run's mapping, when the adapter asks for it."""
    if support.bind is None:
        return support
    context = AdapterContext(settings.crm.mapping, settings.zone, _unused_problem_sink)
    reader = support.bind(config, context)
    return replace(support, read=lambda _section, request: reader(request))


def _unused_problem_sink(problem: InputProblem) -> None:
    """Binding a webhook reader reads no records, so it reports no input problems."""


def open_state(settings: CoreSettings, *, dry_run: bool = False) -> StateStore:
    """The configured state store; a dry run on a store that does not exist yet creates none."""
    url = settings.state.url
    if url is None:
        path = settings.config_dir / ".leadscore" / "state.db"
        if dry_run and not path.exists():
            return StateStore.open("sqlite://")
        url = default_state_url(settings.config_dir)
    return StateStore.open(url, connect_timeout_seconds=settings.state.connect_timeout_seconds)


__all__ = [
    "PLUGINS",
    "CrmWebhook",
    "Settings",
    "build_adapter",
    "crm_webhook",
    "load_settings",
    "open_state",
]
