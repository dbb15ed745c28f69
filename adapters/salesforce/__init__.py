"""Salesforce (`adapter = "salesforce"`): Leads/Contacts by SOQL, results by sObject Collections."""

from __future__ import annotations

from adapters.salesforce.settings import SALESFORCE_CREDENTIALS_HELP, SalesforceSettings
from connector.ports import (
    Adapter,
    AdapterContext,
    AdapterPlugin,
    WebhookEvent,
    WebhookReply,
    WebhookRequest,
    WebhookSupport,
)


def build(settings: SalesforceSettings, context: AdapterContext) -> Adapter:
    """The Salesforce adapter on its own metered client; imports simple-salesforce only now."""
    from adapters.salesforce.adapter import build_salesforce_adapter

    return build_salesforce_adapter(
        settings, context.mapping_path(), on_problem=context.on_problem, timezone=context.zone
    )


def read_notifications(settings: SalesforceSettings, request: WebhookRequest) -> list[WebhookEvent]:
    """Read an Outbound Message from the configured org as leads to rescore."""
    from adapters.salesforce.webhooks import read_notifications as read

    return read(settings, request)


def _accepted(stored: int) -> WebhookReply:
    from adapters.salesforce.webhooks import accepted

    return accepted(stored)


def _rejected(status: int, reason: str) -> WebhookReply:
    from adapters.salesforce.webhooks import rejected

    return rejected(status, reason)


PLUGIN = AdapterPlugin(
    name="salesforce",
    settings=SalesforceSettings,
    build=build,
    missing_help=SALESFORCE_CREDENTIALS_HELP,
    webhook=WebhookSupport(read=read_notifications, accepted=_accepted, rejected=_rejected),
)

__all__ = ["PLUGIN", "SalesforceSettings"]
