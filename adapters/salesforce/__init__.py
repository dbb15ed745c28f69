"""Salesforce (`adapter = "salesforce"`): Leads/Contacts by SOQL, results by sObject Collections."""

from __future__ import annotations

from adapters.salesforce.settings import SALESFORCE_CREDENTIALS_HELP, SalesforceSettings
from connector.ports import Adapter, AdapterContext, AdapterPlugin


def build(settings: SalesforceSettings, context: AdapterContext) -> Adapter:
    """The Salesforce adapter on its own metered client; imports simple-salesforce only now."""
    from adapters.salesforce.adapter import build_salesforce_adapter

    return build_salesforce_adapter(
        settings, context.mapping_path(), on_problem=context.on_problem, timezone=context.zone
    )


PLUGIN = AdapterPlugin(
    name="salesforce",
    settings=SalesforceSettings,
    build=build,
    missing_help=SALESFORCE_CREDENTIALS_HELP,
)

__all__ = ["PLUGIN", "SalesforceSettings"]
