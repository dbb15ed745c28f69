"""HubSpot records <-> the canonical model: contacts, activities, instants and write bodies.

Pure functions of JSON and the mapping: no calls, no SDK (`Json` is imported for typing only),
and the reading of HubSpot's refusal messages.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from datetime import time as clock_time
from typing import TYPE_CHECKING

from adapters.hubspot.mapping import (
    ContactPropertySource,
    EngagementSource,
    FormSource,
    HubSpotMapping,
    PageViewSource,
    ResultProperties,
)
from connector.model import Activity, CurrentResult, Lead, PropertyValue
from connector.ports import FollowUpTask, ScoreWrite

if TYPE_CHECKING:
    from adapters.hubspot.client import Json

_TASK_PRIORITIES = {"high": "HIGH", "高": "HIGH", "medium": "MEDIUM", "normal": "MEDIUM",
                    "中": "MEDIUM", "low": "LOW", "低": "LOW"}  # fmt: skip
#: Tasks fall due at this local time on their due date.
_TASK_DUE_TIME = clock_time(9, 0)


# --- instants ------------------------------------------------------------------------------


def epoch_ms(moment: datetime) -> str:
    """A timezone-aware instant as HubSpot's epoch milliseconds, as text."""
    return str(int(moment.timestamp() * 1000))


def parse_instant(value: object) -> datetime | None:
    """A HubSpot datetime (ISO 8601 or epoch ms) as an aware UTC datetime; None if absent."""
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """An aware datetime as HubSpot's ISO 8601 UTC with milliseconds."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- contacts ------------------------------------------------------------------------------


def to_lead(row: Json, mapping: HubSpotMapping) -> Lead:
    """A contact row (with the mapping's properties) as a lead with its current result."""
    properties: dict[str, str | None] = row.get("properties") or {}
    results = mapping.results
    return Lead(
        id=str(row["id"]),
        attributes=_attributes(properties, mapping),
        owner=properties.get(mapping.owner) or None,
        modified_at=parse_instant(properties.get("lastmodifieddate")),
        current=CurrentResult.shown(
            properties.get(results.score),
            properties.get(results.priority),
            properties.get(results.reasons),
            breakdown=properties.get(results.breakdown) if results.breakdown else None,
            next_change_at=(
                parse_instant(properties.get(results.next_change_at))
                if results.next_change_at
                else None
            ),
        ),
    )


def _attributes(properties: dict[str, str | None], mapping: HubSpotMapping) -> dict[str, str]:
    """Canonical attributes; one mapped to several properties joins them with a space."""
    attributes = {}
    for canonical, source in mapping.attributes.items():
        names = [source] if isinstance(source, str) else source
        value = " ".join(str(properties.get(name) or "").strip() for name in names).strip()
        if value:
            attributes[canonical] = value
    return attributes


def score_input(write: ScoreWrite, results: ResultProperties) -> Json:
    """One contact's input to the batch update of its result properties."""
    properties = {
        results.score: str(write.score),
        results.priority: write.priority,
        results.reasons: write.reasons,
        results.scored_at: iso(write.scored_at),
    }
    if results.breakdown:
        # No breakdown empties the field: a stale one would explain another score.
        properties[results.breakdown] = write.breakdown or ""
    if results.next_change_at:
        # An empty value clears the property: the score no longer changes by itself.
        moment = write.next_change_at
        properties[results.next_change_at] = "" if moment is None else iso(moment)
    return {"id": write.lead_id, "properties": properties}


def task_input(
    task: FollowUpTask, results: ResultProperties, zone: tzinfo, association_type: Json
) -> Json:
    """One task's input to the batch create: a to-do for the owner, associated to the contact.

    `objectWriteTraceId` carries the key so a per-record error can be mapped back to it.
    """
    due = datetime.combine(task.due_date, _TASK_DUE_TIME, tzinfo=zone)
    properties = {
        "hs_timestamp": iso(due),
        "hs_task_subject": task.subject,
        "hs_task_body": task.description,
        "hs_task_priority": _TASK_PRIORITIES.get(task.priority.strip().lower(), "MEDIUM"),
        "hs_task_status": "NOT_STARTED",
        "hs_task_type": "TODO",
        results.task_key: task.key,
    }
    if task.owner:
        properties["hubspot_owner_id"] = task.owner
    association = {"to": {"id": task.lead_id}, "types": [association_type]}
    return {"properties": properties, "associations": [association], "objectWriteTraceId": task.key}


# --- activities ----------------------------------------------------------------------------


def timestamp_event(source: ContactPropertySource, row: Json, after: datetime) -> list[Activity]:
    """The event a date-valued contact property records, if it is after `after`."""
    value = (row.get("properties") or {}).get(source.property)
    occurred = parse_instant(value)
    if occurred is None or occurred <= after:
        return []
    key = f"property:{source.property}:{row['id']}:{value}"
    return [Activity(key, str(row["id"]), source.kind, occurred, {})]


def history_events(source: ContactPropertySource, row: Json, after: datetime) -> list[Activity]:
    """One event per non-empty change of the property after `after`, at the change's time."""
    events = []
    for change in (row.get("propertiesWithHistory") or {}).get(source.property, []):
        occurred = parse_instant(change.get("timestamp"))
        if occurred is None or occurred <= after or change.get("value") in (None, ""):
            continue
        properties: dict[str, PropertyValue] = {}
        if source.value_as:
            properties[source.value_as] = str(change["value"])
        key = f"property:{source.property}:{row['id']}:{change.get('timestamp')}"
        events.append(Activity(key, str(row["id"]), source.kind, occurred, properties))
    return events


def engagement_names(source: EngagementSource) -> list[str]:
    """The engagement properties a source reads."""
    return sorted({source.timestamp, *source.where, *source.properties.values()})


def engagement_event(
    source: EngagementSource, row: Json, contact: str, after: datetime
) -> list[Activity]:
    """The contact's activity for an engagement after `after` that meets the source's `where`."""
    values = row.get("properties") or {}
    occurred = parse_instant(values.get(source.timestamp))
    if occurred is None or occurred <= after:
        return []
    if any(values.get(name) != value for name, value in source.where.items()):
        return []
    properties: dict[str, PropertyValue] = {
        canonical: str(values.get(name) or "") for canonical, name in source.properties.items()
    }
    key = f"{source.object}:{row['id']}:{contact}"
    return [Activity(key, contact, source.kind, occurred, properties)]


def form_field(submission: Json, name: str) -> str:
    """The value of one field of a form submission ("" when it has none)."""
    for item in submission.get("values", []):
        if item.get("name") == name:
            return str(item.get("value") or "")
    return ""


def form_event(source: FormSource, submission: Json, contact: str) -> Activity:
    """A form submission of the contact as an activity with the source's campaign and fields."""
    occurred = parse_instant(str(submission["submittedAt"]))
    assert occurred is not None  # noqa: S101  (submittedAt was compared as a number before)
    properties: dict[str, PropertyValue] = {"campaign": source.campaign}
    for canonical, name in source.fields.items():
        properties[canonical] = form_field(submission, name)
    key = f"form:{source.form_id}:{submission['submittedAt']}:{contact}"
    return Activity(key, contact, source.kind, occurred, properties)


def page_view_event(source: PageViewSource, event: Json) -> list[Activity]:
    """A page-view event of the events API as an activity (none without an occurrence time)."""
    occurred = parse_instant(event.get("occurredAt"))
    if occurred is None:
        return []
    values = event.get("properties") or {}
    properties: dict[str, PropertyValue] = {"page": str(values.get(source.page) or "")}
    if source.duration_seconds and values.get(source.duration_seconds) not in (None, ""):
        properties["duration_seconds"] = float(values[source.duration_seconds])
    lead_id = str(event.get("objectId"))
    return [Activity(f"event:{event.get('id')}", lead_id, source.kind, occurred, properties)]


# --- refusals ------------------------------------------------------------------------------

_INVALID_VALUES = "Property values were not valid:"


def validation_results(message: str) -> list[Json]:
    """The per-property results HubSpot embeds as JSON in "Property values were not valid: [...]"
    (each with `name`, `error` such as INVALID_OPTION, and `message`); [] when there are none."""
    _, found, details = message.partition(_INVALID_VALUES)
    if not found:
        return []
    try:
        parsed = json.loads(details.strip())
    except ValueError:
        return []
    return [item for item in parsed if isinstance(item, dict)] if isinstance(parsed, list) else []


def is_owner_refusal(message: str) -> bool:
    """Whether HubSpot refused a record because of its owner (e.g. a deactivated user)."""
    return any(item.get("name") == "hubspot_owner_id" for item in validation_results(message))
