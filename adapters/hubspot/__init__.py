"""HubSpot (`adapter = "hubspot"`): contacts are leads; results go to contact properties."""

from __future__ import annotations

from collections.abc import Callable

from adapters.hubspot.settings import HubSpotSettings
from connector.ports import (
    Adapter,
    AdapterContext,
    AdapterPlugin,
    WebhookEvent,
    WebhookRequest,
    WebhookSupport,
)


def build(settings: HubSpotSettings, context: AdapterContext) -> Adapter:
    """The HubSpot adapter on its own metered client; imports hubspot-api-client only now."""
    from adapters.hubspot.adapter import build_hubspot_adapter

    return build_hubspot_adapter(
        settings, context.mapping_path(), on_problem=context.on_problem, timezone=context.zone
    )


def read_webhook(settings: HubSpotSettings, request: WebhookRequest) -> list[WebhookEvent]:
    """Verify a HubSpot app or workflow webhook and read the leads it names."""
    from adapters.hubspot.webhooks import read_webhook as read

    return read(settings, request)


def bind_webhook(
    settings: HubSpotSettings, context: AdapterContext
) -> Callable[[WebhookRequest], list[WebhookEvent]]:
    """The webhook reader that knows which engagements the mapping reads."""
    from adapters.hubspot.webhooks import webhook_reader

    return webhook_reader(settings, context.mapping_path())


def has_token(settings: HubSpotSettings) -> bool:
    """Whether the private app's token came from the environment."""
    return settings.access_token is not None


PLUGIN = AdapterPlugin(
    name="hubspot",
    settings=HubSpotSettings,
    build=build,
    missing_help=(
        "needs a private app's access token in the environment: set LEADSCORE_HUBSPOT__ACCESS_TOKEN"
    ),
    ready=has_token,
    webhook=WebhookSupport(read=read_webhook, bind=bind_webhook),
)

__all__ = ["PLUGIN", "HubSpotSettings"]
