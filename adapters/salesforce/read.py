"""Reading from Salesforce: leads, what changed, activities, and planning the queries for them.

Every record is read by SOQL through the connection; `RecordFinder` chooses between
`IN (...)` chunks and one query for everything, whichever costs fewer calls.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from adapters.salesforce.client import SalesforceConnection
from adapters.salesforce.mapping import ActivitySource, SalesforceMapping
from adapters.salesforce.records import (
    LeadObjects,
    activity_fields,
    activity_kind,
    lead_fields,
    occurred,
    to_activity,
    to_lead,
    value_at,
)
from adapters.salesforce.settings import SalesforceObject, SalesforceSettings
from adapters.salesforce.soql import (
    any_of,
    at_or_after,
    at_or_before,
    chunked_in,
    equals,
    is_in,
    matching,
    not_equal,
    not_null,
    select,
)
from connector.model import Activity, Lead
from connector.ports import InputProblem, ProblemSink

#: A REST query page holds at most 2,000 records.
QUERY_PAGE = 2000


class RecordFinder:
    """Reads records by a list of ids (or all of them) in the fewest query calls."""

    def __init__(self, connection: SalesforceConnection, *, max_url_bytes: int) -> None:
        self._connection = connection
        self._max_url_bytes = max_url_bytes

    def records(
        self,
        sobject: str,
        fields: list[str],
        conditions: list[str],
        id_field: str,
        ids: Collection[str] | None,
    ) -> Iterator[dict[str, Any]]:
        """Records whose `id_field` is among `ids` (all when None), in the fewest calls."""
        wanted = None if ids is None else set(ids)
        for query in self._plan(sobject, fields, conditions, id_field, wanted):
            for record in self._connection.query(query):
                if wanted is None or str(value_at(record, id_field)) in wanted:
                    yield record

    def _plan(
        self,
        sobject: str,
        fields: list[str],
        conditions: list[str],
        id_field: str,
        ids: set[str] | None,
    ) -> list[str]:
        """`IN (...)` chunks, or one query for everything when that takes fewer pages."""
        present = [*conditions, *([] if id_field == "Id" else [not_null(id_field)])]
        everything = select(sobject, fields, present)
        if ids is None:
            return [everything]
        limit = self._max_url_bytes
        chunks = list(chunked_in(sobject, fields, conditions, id_field, ids, max_url_bytes=limit))
        # Many chunks (an incremental run touching most leads): one COUNT() call tells
        # whether reading everything and filtering here costs fewer pages.
        if len(chunks) > 2 and self._pages(select(sobject, ["COUNT()"], present)) < len(chunks):
            return [everything]
        return chunks

    def _pages(self, count_query: str) -> int:
        connection = self._connection
        total = int(connection.call(lambda: connection.sf.query(count_query))["totalSize"])
        return math.ceil(total / QUERY_PAGE)


class SalesforceReader:
    """Leads (Lead and/or Contact records) and their activities from every mapped source."""

    def __init__(
        self,
        connection: SalesforceConnection,
        settings: SalesforceSettings,
        mapping: SalesforceMapping,
        *,
        zone: tzinfo,
        on_problem: ProblemSink,
        objects: LeadObjects,
    ) -> None:
        self._connection = connection
        self._finder = RecordFinder(connection, max_url_bytes=settings.max_query_url_bytes)
        self._scored = settings.objects
        self._mapping = mapping
        self._zone = zone
        self._on_problem = on_problem
        self._objects = objects

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Leads (and/or Contacts) with their current results; all of them when `ids` is None."""
        for sobject in self._scored:
            objects = self._mapping.objects[sobject]
            fields, conditions = lead_fields(objects, self._mapping), matching(objects.match)
            for record in self._finder.records(sobject, fields, conditions, "Id", ids):
                self._objects.remember(str(record["Id"]), sobject)
                yield to_lead(record, objects, self._mapping)

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Leads someone else modified at or after `since`, and leads whose activities changed.

        Activity changes include deletions (`queryAll` sees them) and edits of the records
        an activity reads fields from (a Campaign's Type), which do not touch the activity.
        """
        changed: set[str] = set()
        for sobject in self._scored:
            objects = self._mapping.objects[sobject]
            conditions = [at_or_after(objects.modified, since), *self._not_ours()]
            changed.update(
                str(r["Id"]) for r in self._connection.query(select(sobject, ["Id"], conditions))
            )
        for source in self._mapping.activities:
            fields = lead_fields_of(source, self._scored)
            conditions = [self._touched(source, since), *self._scope(source)]
            query = select(source.object, fields, conditions)
            for record in self._connection.query(query, include_deleted=True):
                changed.update(str(v) for f in fields if (v := value_at(record, f)))
        return changed

    def _not_ours(self) -> list[str]:
        """Leave out records whose last save was ours: writing results is not a change to them.

        A person's edit saved between this run reading a lead and writing its score is
        covered by our save too; the lead is rescored at its next due time or full run.
        """
        me = self._connection.user_id()
        return [not_equal("LastModifiedById", me)] if me else []

    def _touched(self, source: ActivitySource, since: datetime) -> str:
        """The activity record, or a record it reads fields from, was modified since then."""
        parents = parent_relationships(source, self._scored)
        # LastModifiedDate, not SystemModstamp: a Campaign's member counts are recalculated
        # by the system whenever a member is added, which would rescore every member.
        return any_of(
            [
                at_or_after(source.modified, since),
                *(at_or_after(f"{parent}.LastModifiedDate", since) for parent in parents),
            ]
        )

    def read_activities(
        self,
        lead_ids: Collection[str] | None,
        occurred_after: datetime,
        occurred_before: datetime | None = None,
    ) -> Iterator[Activity]:
        """Activities of the given leads (all when None) from every mapped source, in range."""
        for source in self._mapping.activities:
            yield from self._source_activities(source, lead_ids, occurred_after, occurred_before)

    def _source_activities(
        self,
        source: ActivitySource,
        lead_ids: Collection[str] | None,
        after: datetime,
        before: datetime | None,
    ) -> Iterator[Activity]:
        pointers = lead_fields_of(source, self._scored)
        fields = activity_fields(source, pointers)
        base = [
            *matching(source.match),
            at_or_after(source.time_field, self._bound(source, after)),
            *self._scope(source),
        ]
        if before is not None:
            base.append(at_or_before(source.time_field, self._bound(source, before)))
        for pointer in pointers:
            for record in self._finder.records(source.object, fields, base, pointer, lead_ids):
                activity = self._activity(record, source, pointer, after)
                if activity is not None and activity.within(after, before):
                    yield activity

    def _bound(self, source: ActivitySource, moment: datetime) -> datetime | date:
        """`moment` as the source's time field holds it: a DateTime, or a local Date."""
        return moment.astimezone(self._zone).date() if source.occurred_on else moment

    def _activity(
        self, record: Mapping[str, Any], source: ActivitySource, pointer: str, after: datetime
    ) -> Activity | None:
        lead_id = value_at(record, pointer)
        kind = activity_kind(record, source)
        at = occurred(record, source, self._zone)
        if at is None and lead_id and kind:
            self._problem(source, record, f"no usable {source.time_field}; activity skipped")
        if not lead_id or kind is None or at is None or at <= after:
            return None
        return to_activity(record, source, str(lead_id), kind, at)

    def _scope(self, source: ActivitySource) -> list[str]:
        """Conditions on every query of a source: only scored objects, none of our own tasks."""
        scope = []
        if "WhoId" in source.lead_field.values():  # polymorphic: Lead or Contact
            scope.append(is_in("Who.Type", self._scored))
        if source.object == "Task":  # our follow-ups are Tasks on the lead, not its activity
            scope.append(equals(self._mapping.tasks.key_field, None))
        return scope

    def _problem(self, source: ActivitySource, record: Mapping[str, Any], message: str) -> None:
        self._on_problem(
            InputProblem(f"salesforce {source.object}", str(record.get("Id")), message)
        )


def parent_relationships(source: ActivitySource, scored: Sequence[SalesforceObject]) -> list[str]:
    """The relationships (`Campaign`) whose fields a source reads, except those to the lead."""
    paths = [source.kind_field or "", *source.properties.values(), *source.match]
    to_lead = {relationship_of(field) for field in lead_fields_of(source, scored)}
    parents = (path.rsplit(".", 1)[0] for path in paths if "." in path)
    return sorted({parent for parent in parents if parent.split(".")[0] not in to_lead})


def relationship_of(field: str) -> str:
    """The relationship name of a lookup field: `CampaignId` -> `Campaign`, `X__c` -> `X__r`."""
    if field.endswith("__c"):
        return field.removesuffix("__c") + "__r"
    return field.removesuffix("Id")


def lead_fields_of(source: ActivitySource, scored: Sequence[SalesforceObject]) -> list[str]:
    """The fields of an activity source that point at a scored lead, without repeats."""
    return list(dict.fromkeys(source.lead_field[o] for o in scored if o in source.lead_field))
