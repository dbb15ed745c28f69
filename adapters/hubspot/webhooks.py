"""HubSpot's pushes as leads to rescore or forget: app webhooks and workflow webhooks.

Both arrive at /webhooks/hubspot and are told apart by what vouches for them
(`signatures.verify`) and by their body: app webhooks post an array of events, a workflow's
"Send a webhook" action posts the enrolled contact as one object. Nothing here calls HubSpot:
HubSpot waits 5 s for the answer, and the worker reads the contact afterwards.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from adapters.hubspot.mapping import EngagementSource, HubSpotMapping, load_hubspot_mapping
from adapters.hubspot.settings import HubSpotSettings
from adapters.hubspot.signatures import Sender, signature_v3, verify, verify_v3
from connector.errors import WebhookRejected
from connector.ports import WebhookEvent, WebhookRequest

log = logging.getLogger("leadscore.hubspot")

#: One request carries at most 100 events.
MAX_EVENTS = 100
CONTACT = "0-1"
#: Engagement object -> HubSpot's object type id, as generic (`object.*`) events carry it.
ENGAGEMENT_TYPES = {"notes": "0-46", "meetings": "0-47", "calls": "0-48", "emails": "0-49"}
#: Object names in a legacy `associationType` such as CONTACT_TO_MEETING_EVENT.
_TYPE_NAMES = {
    "CONTACT": CONTACT, "NOTE": "0-46", "MEETING_EVENT": "0-47", "MEETING": "0-47",
    "CALL": "0-48", "EMAIL": "0-49",
}  # fmt: skip
_RESCORE = frozenset({"contact.creation", "contact.propertyChange", "contact.restore"})
_FORGET = frozenset({"contact.deletion", "contact.privacyDeletion"})
_ASSOCIATION = frozenset({"contact.associationChange", "object.associationChange"})
#: Where a workflow's body may carry the contact id, in order: the object API's own shapes.
_WORKFLOW_ID_KEYS = ("objectId", "hs_object_id", "canonical-vid", "vid")

Reader = Callable[[WebhookRequest], list[WebhookEvent]]

__all__ = ["Interest", "Reader", "read_webhook", "signature_v3", "verify_v3", "webhook_reader"]


@dataclass(frozen=True, slots=True)
class Interest:
    """What the mapping reads that a push can announce a change of."""

    #: Object type ids of the engagements the mapping reads (meetings "0-47", ...).
    engagement_types: frozenset[str] = frozenset()
    #: The contact properties leadscore writes: their changes are its own, not news.
    result_properties: frozenset[str] = frozenset()


def interest_of(mapping: HubSpotMapping) -> Interest:
    """The engagements the mapping reads, and the result properties it writes."""
    engagements = {
        ENGAGEMENT_TYPES[source.object]
        for source in mapping.activities
        if isinstance(source, EngagementSource)
    }
    return Interest(frozenset(engagements), frozenset(mapping.results.written()))


def webhook_reader(settings: HubSpotSettings, mapping: Path) -> Reader:
    """The reader `leadscore serve` uses: it knows what the mapping reads (read once, now)."""
    return partial(read_webhook, settings, interest=interest_of(load_hubspot_mapping(mapping)))


def read_webhook(
    settings: HubSpotSettings, request: WebhookRequest, *, interest: Interest = Interest()
) -> list[WebhookEvent]:
    """The leads a verified HubSpot request asks to rescore or forget; WebhookRejected if not."""
    sender = verify(settings, request)
    payload = _json(request.body)
    if isinstance(payload, dict):
        return [workflow_event(payload, request.body)]
    events = _event_list(payload)
    if sender is Sender.WORKFLOW_KEY:
        # The workflow's key vouches for one enrolled contact, never for app events (a forget).
        raise WebhookRejected(401, "the workflow key is accepted for a workflow's contact only")
    return app_events(events, interest)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected(400, "the body is not JSON") from None


def _event_list(payload: Any) -> list[Mapping[str, Any]]:
    if not isinstance(payload, list) or not all(isinstance(e, dict) for e in payload):
        raise WebhookRejected(400, "the body is neither an array of events nor a workflow's object")
    if len(payload) > MAX_EVENTS:
        raise WebhookRejected(413, f"more than {MAX_EVENTS} events in one request")
    return payload


# --- A workflow's "Send a webhook" -------------------------------------------------------------


def workflow_event(body: Mapping[str, Any], raw: bytes) -> WebhookEvent:
    """The contact a workflow posted, keyed on its id and the body's hash.

    The request has no event id. HubSpot retries a delivery with the same body, so the hash
    makes a retry a duplicate; a later enrollment posts the contact's properties as they are
    then (lastmodifieddate and the activity roll-ups move), so it is a new event.
    """
    _contacts_only(body)
    contact = _workflow_contact_id(body)
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return WebhookEvent(f"workflow:{contact}:{digest}", contact)


def _contacts_only(body: Mapping[str, Any]) -> None:
    kind = body.get("objectTypeId", body.get("objectType"))
    if kind is not None and str(kind).lower() not in {CONTACT, "contact", "contacts"}:
        raise WebhookRejected(
            400, "the workflow is not contact-based: leadscore scores contacts only"
        )


def _workflow_contact_id(body: Mapping[str, Any]) -> str:
    properties = body.get("properties")
    nested = properties.get("hs_object_id") if isinstance(properties, dict) else None
    candidates = [body.get(key) for key in _WORKFLOW_ID_KEYS] + [nested]
    for value in candidates:
        found = _object_id(value)
        if found is not None:
            return found
    raise WebhookRejected(
        400,
        "the workflow's body names no contact id: include all contact properties, or add"
        " hs_object_id to a customized body",
    )


def _object_id(value: Any) -> str | None:
    """A record id as a string; the v1 contacts API wraps values as {"value": ...}."""
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return value
    return None


# --- App webhooks --------------------------------------------------------------------------


def app_events(payload: list[Mapping[str, Any]], interest: Interest) -> list[WebhookEvent]:
    """The leads an array of app webhook events names; the rest is counted in the log."""
    found: list[WebhookEvent] = []
    ignored: Counter[str] = Counter()
    for event in payload:
        events = list(_leads_of(event, interest))
        found += events
        if not events:
            ignored[_kind(event)] += 1
    if ignored:
        # Subscription types only: never ids, properties or values (personal data).
        log.info(
            "hubspot events ignored",
            extra={"ignored": sum(ignored.values()), "kinds": dict(sorted(ignored.items()))},
        )
    return found


def _kind(event: Mapping[str, Any]) -> str:
    """The subscription type, a generic `object.*` one on contacts read as `contact.*`."""
    kind = str(event.get("subscriptionType", ""))
    if kind.startswith("object.") and str(event.get("objectTypeId")) == CONTACT:
        return "contact." + kind.removeprefix("object.")
    return kind


def _leads_of(event: Mapping[str, Any], interest: Interest) -> Iterator[WebhookEvent]:
    kind, object_id = _kind(event), _object_id(event.get("objectId"))
    # eventId is not documented as unique across subscriptions: key on all three.
    key = f"{event.get('subscriptionId')}:{event.get('eventId')}:{event.get('occurredAt')}"
    if kind == "contact.propertyChange" and event.get("propertyName") in interest.result_properties:
        return  # leadscore's own write: rescoring it would loop
    if kind in _RESCORE and object_id is not None:
        yield WebhookEvent(key, object_id)
    elif kind in _FORGET and object_id is not None:
        yield WebhookEvent(key, object_id, "forget")
    elif kind == "contact.merge":
        yield from _merged(key, event)
    elif kind in _ASSOCIATION:
        yield from _associated(key, event, interest)


def _merged(key: str, event: Mapping[str, Any]) -> Iterator[WebhookEvent]:
    """A merge: the primary contact is rescored, the contacts merged into it are gone."""
    primary = _object_id(event.get("primaryObjectId")) or _object_id(event.get("objectId"))
    if primary is not None:
        yield WebhookEvent(key, primary)
    for merged in event.get("mergedObjectIds") or []:
        merged_id = _object_id(merged)
        if merged_id is not None and merged_id != primary:
            yield WebhookEvent(f"{key}:{merged_id}", merged_id, "forget")


def _associated(key: str, event: Mapping[str, Any], interest: Interest) -> Iterator[WebhookEvent]:
    """A contact gained or lost an engagement the mapping reads: rescore that contact.

    Added or removed alike: a meeting taken off a contact no longer counts for it.
    """
    from_type, to_type = _association_types(event)
    from_id, to_id = _object_id(event.get("fromObjectId")), _object_id(event.get("toObjectId"))
    if from_type == CONTACT and to_type in interest.engagement_types and from_id is not None:
        yield WebhookEvent(key, from_id)
    elif to_type == CONTACT and from_type in interest.engagement_types and to_id is not None:
        yield WebhookEvent(key, to_id)


def _association_types(event: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(from, to) object type ids: given outright (generic events) or named in associationType."""
    from_type, to_type = event.get("fromObjectTypeId"), event.get("toObjectTypeId")
    if from_type is not None and to_type is not None:
        return str(from_type), str(to_type)
    # Legacy events name the pair, e.g. CONTACT_TO_MEETING_EVENT (no name holds "_TO_").
    named = str(event.get("associationType", "")).upper()
    from_name, separator, to_name = named.partition("_TO_")
    if not separator:
        return None, None
    return _TYPE_NAMES.get(from_name), _TYPE_NAMES.get(to_name)
