"""Salesforce records <-> the canonical model: field paths, values, timestamps, write bodies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from adapters.salesforce.mapping import ActivitySource, ObjectMapping, SalesforceMapping
from adapters.salesforce.settings import SalesforceObject
from connector.model import Activity, CurrentResult, Lead, PropertyValue
from connector.ports import FollowUpTask, ScoreWrite

#: Standard key prefixes, used only to type a write for a lead this run did not read.
_KEY_PREFIXES: Mapping[str, SalesforceObject] = {"00Q": "Lead", "003": "Contact"}


class LeadObjects:
    """Which scored object each lead id is a record of: reads learn it, writes need it."""

    def __init__(self, scored: Sequence[SalesforceObject]) -> None:
        self._scored = scored
        self._seen: dict[str, SalesforceObject] = {}

    def remember(self, lead_id: str, sobject: SalesforceObject) -> None:
        """Note that `lead_id` was read as a record of `sobject`."""
        self._seen[lead_id] = sobject

    def of(self, lead_id: str) -> SalesforceObject:
        """The object of a lead: as read, else by its key prefix, else the first scored one."""
        known = self._seen.get(lead_id) or _KEY_PREFIXES.get(lead_id[:3])
        return known if known is not None and known in self._scored else self._scored[0]


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """The value at a field path (`Campaign.Type`); None when any hop is empty."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def as_text(value: Any) -> str | None:
    """A field value as attribute text (`12.0` -> `12`, booleans lower-case); None if empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_property(value: Any) -> PropertyValue | None:
    """A field value as an activity property: numbers as float, the rest as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return as_text(value)


def parse_datetime(value: Any) -> datetime | None:
    """A Salesforce DateTime (`2026-11-20T05:00:00.000+0000`) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def parse_date(value: Any, zone: tzinfo) -> datetime | None:
    """A Salesforce Date as midnight in the configured time zone, in UTC."""
    if not isinstance(value, str) or not value:
        return None
    day = date.fromisoformat(value[:10])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def soql_datetime(moment: datetime) -> str:
    """A DateTime value as Salesforce writes and reads it back (UTC, milliseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def lead_fields(objects: ObjectMapping, mapping: SalesforceMapping) -> list[str]:
    """The fields one lead query selects: id, owner, modstamp, attributes, current results."""
    results = mapping.write_back
    return [
        "Id",
        objects.owner,
        objects.modified,
        *objects.attributes.values(),
        *results.shown(),
    ]


def to_lead(record: Mapping[str, Any], objects: ObjectMapping, mapping: SalesforceMapping) -> Lead:
    """A canonical lead from a queried Lead or Contact record."""
    results = mapping.write_back
    attributes = {
        name: text
        for name, path in objects.attributes.items()
        if (text := as_text(value_at(record, path))) is not None
    }
    return Lead(
        id=str(record["Id"]),
        attributes=attributes,
        owner=as_text(value_at(record, objects.owner)),
        modified_at=parse_datetime(value_at(record, objects.modified)),
        current=CurrentResult.shown(
            value_at(record, results.score),
            value_at(record, results.priority),
            value_at(record, results.reasons),
            breakdown=value_at(record, results.breakdown) if results.breakdown else None,
            next_change_at=(
                parse_datetime(value_at(record, results.next_change_at))
                if results.next_change_at
                else None
            ),
        ),
    )


def activity_fields(source: ActivitySource, lead_fields: list[str]) -> list[str]:
    """The fields one activity query selects."""
    kind = [source.kind_field] if source.kind_field else []
    return ["Id", *lead_fields, source.time_field, *kind, *source.properties.values()]


def activity_kind(record: Mapping[str, Any], source: ActivitySource) -> str | None:
    """The canonical kind of an activity record; None when the mapping does not score it."""
    if source.kind is not None:
        return source.kind
    return source.kinds.get(as_text(value_at(record, source.kind_field or "")) or "")


def occurred(record: Mapping[str, Any], source: ActivitySource, zone: tzinfo) -> datetime | None:
    """When the activity happened, aware UTC."""
    if source.occurred_on is not None:
        return parse_date(value_at(record, source.occurred_on), zone)
    return parse_datetime(value_at(record, source.time_field))


def to_activity(
    record: Mapping[str, Any], source: ActivitySource, lead_id: str, kind: str, at: datetime
) -> Activity:
    """A canonical activity from an activity record."""
    properties = {
        name: value
        for name, path in source.properties.items()
        if (value := as_property(value_at(record, path))) is not None
    }
    return Activity(str(record["Id"]), lead_id, kind, at, properties)


def score_body(write: ScoreWrite, sobject: str, mapping: SalesforceMapping) -> dict[str, Any]:
    """One record of an sObject Collections update carrying a lead's results."""
    fields = mapping.write_back
    body: dict[str, Any] = {
        "attributes": {"type": sobject},
        "id": write.lead_id,
        fields.score: write.score,
        fields.priority: write.priority,
        fields.reasons: write.reasons,
        fields.scored_at: soql_datetime(write.scored_at),
    }
    # None empties a field (#N/A in a bulk upload): no breakdown must not leave a stale one,
    # and no next change means the score no longer changes by itself.
    if fields.breakdown:
        body[fields.breakdown] = write.breakdown or None
    if fields.next_change_at:
        moment = write.next_change_at
        body[fields.next_change_at] = None if moment is None else soql_datetime(moment)
    return body


def task_body(task: FollowUpTask, mapping: SalesforceMapping) -> dict[str, Any]:
    """One Task record for an sObject Collections create."""
    tasks = mapping.tasks
    body: dict[str, Any] = {
        "attributes": {"type": "Task"},
        "WhoId": task.lead_id,
        "Subject": task.subject[:255],
        "Description": task.description,
        "ActivityDate": task.due_date.isoformat(),
        "Priority": tasks.priorities.get(task.priority, tasks.default_priority),
        "Status": tasks.status,
        tasks.key_field: task.key,
    }
    if task.owner:
        body["OwnerId"] = task.owner
    return body


def save_error(result: Mapping[str, Any]) -> str:
    """The message of a failed SaveResult (`errors: [{statusCode, message, fields}]`)."""
    errors = result.get("errors") or []
    parts = [f"{e.get('statusCode', '')}: {e.get('message', '')}" for e in errors]
    return "; ".join(parts) or "rejected without a message"


#: Task save errors that say the owner cannot take the task: an inactive user, or an
#: OwnerId Salesforce will not accept (a queue: FIELD_INTEGRITY_EXCEPTION on OwnerId).
_OWNER_CODES = frozenset({"INACTIVE_OWNER_OR_USER"})


def owner_refused(result: Mapping[str, Any]) -> bool:
    """Whether a failed SaveResult refused the record because of its owner."""
    return any(
        e.get("statusCode") in _OWNER_CODES or "OwnerId" in (e.get("fields") or [])
        for e in result.get("errors") or []
    )
