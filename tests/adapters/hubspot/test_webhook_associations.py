"""Engagement associations and generic `object.*` events: a contact is rescored only when the
mapping reads what changed."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from adapters import hubspot
from adapters.hubspot.mapping import EngagementSource, load_hubspot_mapping
from adapters.hubspot.settings import HubSpotSettings
from adapters.hubspot.webhooks import (
    Interest,
    interest_of,
    read_webhook,
    signature_v3,
    webhook_reader,
)
from connector.ports import AdapterContext, InputProblem, WebhookEvent, WebhookRequest
from tests.adapters.hubspot.support import MAPPING
from tests.scoring_support import ROOT

SECRET = "app-client-secret"
URL = "https://leadscore.example.com/webhooks/hubspot"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SETTINGS = HubSpotSettings(webhook_secret=SecretStr(SECRET))
SHIPPED_MAPPING = ROOT / "mappings" / "hubspot.toml"
#: What mappings/hubspot.toml reads: meetings (0-47), not calls (0-48).
MEETINGS = Interest(frozenset({"0-47"}), frozenset({"leadscore_score", "leadscore_scored_at"}))


def _request(events: list[dict[str, object]]) -> WebhookRequest:
    body = json.dumps(events).encode()
    stamp = str(int(NOW.timestamp() * 1000))
    headers = {
        "x-hubspot-signature-v3": signature_v3(SECRET, "POST", URL, body, stamp),
        "x-hubspot-request-timestamp": stamp,
    }
    return WebhookRequest("POST", URL, headers, body, NOW)


def _event(number: int, kind: str, **fields: object) -> dict[str, object]:
    return {"eventId": number, "subscriptionId": 5, "occurredAt": number, "subscriptionType": kind,
            **fields}  # fmt: skip


def _leads(events: list[dict[str, object]], interest: Interest = MEETINGS) -> list[WebhookEvent]:
    return read_webhook(SETTINGS, _request(events), interest=interest)


def test_the_shipped_mapping_follows_meetings_and_not_its_own_writes() -> None:
    interest = interest_of(load_hubspot_mapping(SHIPPED_MAPPING))
    assert interest.engagement_types == {"0-47"}
    written = {"leadscore_score", "leadscore_priority", "leadscore_reasons", "leadscore_scored_at"}
    written |= {"leadscore_breakdown", "leadscore_next_change_at"}  # the card's fields too
    assert written <= (interest.result_properties)


def test_each_engagement_object_the_mapping_reads_is_followed() -> None:
    def engagement(name: Literal["calls", "emails", "meetings", "notes"]) -> EngagementSource:
        return EngagementSource(source="engagement", object=name, kind=f"{name}_logged")

    mapping = MAPPING.model_copy(update={"activities": [engagement("calls"), engagement("notes")]})
    assert interest_of(mapping).engagement_types == {"0-48", "0-46"}
    assert interest_of(mapping.model_copy(update={"activities": []})).engagement_types == set()


@pytest.mark.parametrize(
    "event",
    [
        # The generic format: both object types given.
        _event(1, "object.associationChange", fromObjectTypeId="0-1", fromObjectId=301,
               toObjectTypeId="0-47", toObjectId=9001, associationRemoved=False),
        # A subscription on meetings sees the same association from the other side.
        _event(1, "object.associationChange", fromObjectTypeId="0-47", fromObjectId=9001,
               toObjectTypeId="0-1", toObjectId=301, associationRemoved=False),
        # Removed counts too: the meeting no longer counts for the contact.
        _event(1, "object.associationChange", fromObjectTypeId="0-1", fromObjectId=301,
               toObjectTypeId="0-47", toObjectId=9001, associationRemoved=True),
        # The legacy format names the pair.
        _event(1, "contact.associationChange", associationType="CONTACT_TO_MEETING_EVENT",
               fromObjectId=301, toObjectId=9001),
    ],
)  # fmt: skip
def test_a_meeting_associated_with_a_contact_rescores_the_contact(
    event: dict[str, object],
) -> None:
    assert _leads([event]) == [WebhookEvent("5:1:1", "301")]


@pytest.mark.parametrize(
    "event",
    [
        # Calls are not in the mapping: the score cannot change.
        _event(1, "object.associationChange", fromObjectTypeId="0-1", fromObjectId=301,
               toObjectTypeId="0-48", toObjectId=9002),
        _event(1, "contact.associationChange", associationType="CONTACT_TO_COMPANY",
               fromObjectId=301, toObjectId=77),
        _event(1, "contact.associationChange", associationType="CONTACT_TO_CONTACT",
               fromObjectId=301, toObjectId=302),
        _event(1, "contact.associationChange", associationType="", fromObjectId=301),
        # An engagement's own events name no contact: associationChange is the one to use.
        _event(1, "object.creation", objectTypeId="0-47", objectId=9001),
        _event(1, "object.propertyChange", objectTypeId="0-47", objectId=9001,
               propertyName="hs_meeting_outcome", propertyValue="COMPLETED"),
        # leadscore's own result write, were the admin to subscribe to it: no loop.
        _event(1, "contact.propertyChange", objectId=301, propertyName="leadscore_score"),
        _event(1, "deal.creation", objectId=900),
    ],
)  # fmt: skip
def test_what_the_mapping_does_not_read_is_ignored(event: dict[str, object]) -> None:
    assert _leads([event]) == []


def test_without_the_mapping_no_association_is_followed() -> None:
    meeting = _event(1, "object.associationChange", fromObjectTypeId="0-1", fromObjectId=301,
                     toObjectTypeId="0-47", toObjectId=9001)  # fmt: skip
    assert _leads([meeting], Interest()) == []


def test_generic_contact_events_read_like_the_legacy_ones() -> None:
    events = [
        _event(1, "object.creation", objectTypeId="0-1", objectId=301),
        _event(2, "object.propertyChange", objectTypeId="0-1", objectId=302,
               propertyName="jobtitle"),
        _event(3, "object.deletion", objectTypeId="0-1", objectId=303),
        _event(4, "object.merge", objectTypeId="0-1", objectId=304, primaryObjectId=304,
               mergedObjectIds=[305]),
    ]  # fmt: skip
    assert _leads(events) == [
        WebhookEvent("5:1:1", "301"),
        WebhookEvent("5:2:2", "302"),
        WebhookEvent("5:3:3", "303", "forget"),
        WebhookEvent("5:4:4", "304"),
        WebhookEvent("5:4:4:305", "305", "forget"),
    ]


def test_ignored_events_are_counted_in_the_log_without_ids(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = [
        _event(1, "object.creation", objectTypeId="0-47", objectId=9001),
        _event(2, "object.creation", objectTypeId="0-47", objectId=9002),
        _event(3, "contact.creation", objectId=301),
    ]
    with caplog.at_level(logging.INFO, logger="leadscore.hubspot"):
        assert _leads(events) == [WebhookEvent("5:3:3", "301")]
    [record] = [r for r in caplog.records if r.name == "leadscore.hubspot"]
    assert (record.ignored, record.kinds) == (2, {"object.creation": 2})  # type: ignore[attr-defined]
    assert "9001" not in record.getMessage() + repr(record.__dict__)


def test_the_reader_serve_binds_reads_the_mapping_once(tmp_path: Path) -> None:
    mapping = tmp_path / "hubspot.toml"
    mapping.write_bytes(SHIPPED_MAPPING.read_bytes())
    context = AdapterContext(mapping, ZoneInfo("Asia/Tokyo"), _no_problems)
    assert hubspot.PLUGIN.webhook is not None
    assert hubspot.PLUGIN.webhook.bind is not None
    reader = hubspot.PLUGIN.webhook.bind(SETTINGS, context)
    mapping.unlink()  # read at startup, not per request
    meeting = _event(1, "object.associationChange", fromObjectTypeId="0-1", fromObjectId=301,
                     toObjectTypeId="0-47", toObjectId=9001)  # fmt: skip
    assert reader(_request([meeting])) == [WebhookEvent("5:1:1", "301")]
    assert webhook_reader(SETTINGS, SHIPPED_MAPPING)(_request([meeting])) == reader(
        _request([meeting])
    )


def _no_problems(problem: InputProblem) -> None:
    raise AssertionError(problem)
