"""`leadscore check` and `setup`: is the CRM ready for leadscore, and make it so."""

from __future__ import annotations

from adapters.base import Adapter, CheckItem
from adapters.hubspot import HubSpotAdapter, check_hubspot, setup_hubspot
from adapters.local_files import LocalFilesAdapter
from adapters.local_files_check import check_local_files, setup_local_files
from adapters.salesforce import SalesforceAdapter
from adapters.salesforce_check import check_salesforce
from adapters.salesforce_setup import setup_salesforce


def check(adapter: Adapter) -> list[CheckItem]:
    """What is fine and what is not, for the configured CRM."""
    if isinstance(adapter, SalesforceAdapter):
        return check_salesforce(adapter)
    if isinstance(adapter, HubSpotAdapter):
        return check_hubspot(adapter)
    if isinstance(adapter, LocalFilesAdapter):
        return check_local_files(adapter)
    raise TypeError(f"no check for {type(adapter).__name__}")


def setup(adapter: Adapter, *, dry_run: bool) -> list[CheckItem]:
    """Create what the CRM lacks (fields, permissions, folders), idempotently."""
    if isinstance(adapter, SalesforceAdapter):
        return setup_salesforce(adapter, dry_run=dry_run)
    if isinstance(adapter, HubSpotAdapter):
        return setup_hubspot(adapter, dry_run=dry_run)
    if isinstance(adapter, LocalFilesAdapter):
        return setup_local_files(adapter, dry_run=dry_run)
    raise TypeError(f"no setup for {type(adapter).__name__}")
