"""Build the adapter the configuration names; the one place that knows every adapter."""

from __future__ import annotations

from adapters.base import Adapter, ProblemSink
from adapters.hubspot import HubSpotAdapter, build_hubspot_adapter
from adapters.local_files import LocalFilesAdapter, load_csv_mapping
from adapters.salesforce import SalesforceAdapter, build_salesforce_adapter
from connector.config import Settings
from connector.errors import ConfigError
from connector.state import StateStore, default_state_url


def build_adapter(settings: Settings, on_problem: ProblemSink) -> Adapter:
    """The adapter for `settings.crm.adapter`, ready to read and write."""
    adapter = settings.crm.adapter
    if adapter == "csv":
        return build_local_files(settings, on_problem)
    if adapter == "salesforce":
        return build_salesforce(settings, on_problem)
    return build_hubspot(settings, on_problem)


def build_local_files(settings: Settings, on_problem: ProblemSink) -> LocalFilesAdapter:
    """The local-files adapter over `[csv]`."""
    files = settings.csv
    if files is None:  # the settings validator makes this unreachable; keeps mypy honest
        raise ConfigError("crm.adapter = 'csv' needs a [csv] section")
    return LocalFilesAdapter(
        leads_path=files.leads,
        activities_path=files.activities,
        output_dir=files.output_dir,
        mapping=load_csv_mapping(settings.crm.mapping),
        zone=settings.zone,
        on_problem=on_problem,
    )


def build_salesforce(settings: Settings, on_problem: ProblemSink) -> SalesforceAdapter:
    """The Salesforce adapter over `[salesforce]` and its mapping, on its own metered client."""
    if settings.salesforce is None or settings.crm.mapping is None:
        raise ConfigError("crm.adapter = 'salesforce' needs [salesforce] and crm.mapping")
    return build_salesforce_adapter(
        settings.salesforce, settings.crm.mapping, on_problem=on_problem, timezone=settings.zone
    )


def build_hubspot(settings: Settings, on_problem: ProblemSink) -> HubSpotAdapter:
    """The HubSpot adapter over `[hubspot]` and its mapping, on its own metered client."""
    if settings.hubspot is None or settings.crm.mapping is None:
        raise ConfigError(
            "crm.adapter = 'hubspot' needs LEADSCORE_HUBSPOT__ACCESS_TOKEN and crm.mapping"
        )
    return build_hubspot_adapter(
        settings.hubspot, settings.crm.mapping, on_problem=on_problem, timezone=settings.zone
    )


def open_state(settings: Settings, *, dry_run: bool = False) -> StateStore:
    """The configured state store; a dry run on a store that does not exist yet creates none."""
    url = settings.state.url
    if url is None:
        path = settings.config_dir / ".leadscore" / "state.db"
        if dry_run and not path.exists():
            return StateStore.open("sqlite://")
        url = default_state_url(settings.config_dir)
    return StateStore.open(url)
