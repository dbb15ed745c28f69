"""Reading HubSpot: contacts as leads, and the mapping's activity sources as activities."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.hubspot.client import Clock, HubSpotCalls, Json
from adapters.hubspot.mapping import (
    ActivitySource,
    ContactPropertySource,
    EngagementSource,
    FormSource,
    HubSpotMapping,
    PageViewSource,
)
from adapters.hubspot.records import (
    engagement_event,
    engagement_names,
    epoch_ms,
    form_event,
    form_field,
    history_events,
    page_view_event,
    timestamp_event,
    to_lead,
)
from adapters.hubspot.search import (
    ASSOCIATION_BATCH_LIMIT,
    OwnWrites,
    associated_ids,
    batch_read,
    modified_since,
    search_all,
    search_filter,
)
from connector.model import Activity, Lead
from connector.ports import InputProblem, ProblemSink

#: Form submissions come 50 a page (the forms v1 maximum), newest first.
_FORM_PAGE = 50
#: Events API page size.
_EVENTS_PAGE = 100
#: Up to this many leads, page views are asked per contact (a call or more each); past it,
#: the window's page views of every contact are paged through once and filtered.
_PER_CONTACT_EVENTS = 20
#: How long rows found by `changed_ids` may stand in for a read of the same contacts.
#: A change in between is not lost: it is after the next run's cursor.
_CHANGED_ROWS_TTL = 300.0


class LeadReader:
    """Reads contacts as leads; a read right after `changed_ids` reuses the rows it found."""

    def __init__(
        self,
        *,
        calls: HubSpotCalls,
        mapping: HubSpotMapping,
        activities: ActivityReader,
        clock: Clock,
        own_writes: OwnWrites,
    ) -> None:
        self._calls = calls
        self._mapping = mapping
        self._activities = activities
        self._clock = clock
        self._own_writes = own_writes
        self._changed_rows: dict[str, Json] = {}
        self._changed_at = 0.0

    def read(self, ids: Collection[str] | None) -> Iterator[Lead]:
        """Contacts as leads (all of them when `ids` is None), with their current results."""
        properties = self._mapping.contact_properties()
        if ids is None:
            rows: Iterable[Json] = search_all(self._calls, "contacts", [], properties)
        else:
            fresh = self._take_changed_rows(ids)
            missing = set(ids) - fresh.keys()
            rows = [*fresh.values(), *batch_read(self._calls, "contacts", missing, properties)]
        for row in rows:
            yield to_lead(row, self._mapping)

    def changed_ids(self, since: datetime) -> set[str]:
        """Contacts modified at or after `since`, and contacts with activities since then.

        Contacts whose last change is our own result write are left out. The search already
        returns the mapped properties: the `read` that follows within a few minutes takes
        those rows instead of reading the contacts again.
        """
        properties = self._mapping.contact_properties()
        queries = modified_since(self._own_writes, since)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubspot") as pool:
            active = pool.submit(self._activities.active_lead_ids, since)
            rows = [
                row
                for query in queries
                for row in search_all(self._calls, "contacts", query, properties)
            ]
            self._changed_rows = {str(row["id"]): row for row in rows}
            self._changed_at = self._clock()
            return set(self._changed_rows) | active.result()

    def _take_changed_rows(self, ids: Collection[str]) -> dict[str, Json]:
        """Rows the last `changed_ids` returned for these ids, if recent; used once."""
        rows, self._changed_rows = self._changed_rows, {}
        if self._clock() - self._changed_at > _CHANGED_ROWS_TTL:
            return {}
        return {record_id: rows[record_id] for record_id in ids if record_id in rows}


@dataclass(frozen=True, slots=True)
class _Span:
    """What one activity read asks for: whose, the time span, and whether it only looks for
    leads changed since `after` (then contacts whose last change is ours are left out)."""

    wanted: set[str] | None
    after: datetime
    before: datetime | None = None
    detecting: bool = False

    def holds(self, activity: Activity) -> bool:
        """Whether the activity is inside the span (after `after`, at or before `before`)."""
        return self.before is None or activity.occurred_at <= self.before


class ActivityReader:
    """Reads every activity source of a mapping; sources the portal lacks are skipped."""

    def __init__(
        self,
        *,
        calls: HubSpotCalls,
        mapping: HubSpotMapping,
        events_api: bool,
        on_problem: ProblemSink,
        own_writes: OwnWrites,
    ) -> None:
        self._calls = calls
        self._mapping = mapping
        self._events_api = events_api
        self._on_problem = on_problem
        self._own_writes = own_writes

    def read(
        self, lead_ids: Collection[str] | None, after: datetime, before: datetime | None = None
    ) -> Iterator[Activity]:
        """Activities of `lead_ids` (all leads when None) in `(after, before]`."""
        wanted = None if lead_ids is None else set(lead_ids)
        return self._read(_Span(wanted, after, before))

    def _read(self, span: _Span) -> Iterator[Activity]:
        """Every source's activities in `span`.

        The sources are read side by side: searches wait on the search endpoint's 5/s while
        batch reads, forms and events use the rest of the app's budget, instead of each
        source waiting for the one before it.
        """
        sources = self._mapping.activities
        if len(sources) < 2:
            for source in sources:
                yield from self._collect(source, span)
            return
        with ThreadPoolExecutor(max_workers=len(sources), thread_name_prefix="hubspot") as pool:
            futures = [pool.submit(self._collect, source, span) for source in sources]
            try:
                for future in futures:
                    yield from future.result()
            finally:
                for future in futures:
                    future.cancel()

    def _collect(self, source: ActivitySource, span: _Span) -> list[Activity]:
        return [activity for activity in self._source(source, span) if span.holds(activity)]

    def _source(self, source: ActivitySource, span: _Span) -> Iterator[Activity]:
        if isinstance(source, ContactPropertySource):
            yield from self._contact_property(source, span)
        elif isinstance(source, EngagementSource):
            yield from self._engagements(source, span)
        elif isinstance(source, FormSource):
            yield from self._form(source, span)
        elif self._events_api:
            yield from self._page_views(source, span)

    def active_lead_ids(self, since: datetime) -> set[str]:
        """Leads with activities since `since` in sources that do not touch the contact."""
        kinds = (EngagementSource, FormSource, PageViewSource)
        if not any(isinstance(source, kinds) for source in self._mapping.activities):
            return set()
        return {
            activity.lead_id
            for activity in self._read(_Span(None, since, detecting=True))
            if not activity.id.startswith("property:")
        }

    # --- contact properties (trade-show badge imports and the like) -----------------------

    def _contact_property(self, source: ContactPropertySource, span: _Span) -> Iterator[Activity]:
        if source.mode == "timestamp":
            for row in self._contacts_with(source.property, span, source.property):
                yield from timestamp_event(source, row, span.after)
            return
        # A property change touches the contact: only contacts modified since can have one.
        rows = self._contacts_with(source.property, span, "lastmodifieddate")
        candidates = {str(row["id"]) for row in rows}
        history = [source.property]
        for row in batch_read(self._calls, "contacts", candidates, [], history=history):
            yield from history_events(source, row, span.after)

    def _contacts_with(self, name: str, span: _Span, since_property: str) -> Iterator[Json]:
        """Contacts (of `wanted`, or all) having `name`, with `since_property` past `after`.

        A few leads are batch read; many or all are searched, which also skips contacts
        without the property. Looking for changed leads, contacts whose last change is our
        own result write are left out (their activities were read by the run that wrote).
        """
        wanted = span.wanted
        if wanted is not None and len(wanted) <= ASSOCIATION_BATCH_LIMIT:
            return batch_read(self._calls, "contacts", wanted, [name])
        has = {"propertyName": name, "operator": "HAS_PROPERTY"}
        if span.detecting and since_property == "lastmodifieddate":
            queries = modified_since(self._own_writes, span.after, [has])
        else:
            queries = [[search_filter(since_property, "GT", epoch_ms(span.after)), has]]
        found = (row for q in queries for row in search_all(self._calls, "contacts", q, [name]))
        return (row for row in found if wanted is None or str(row["id"]) in wanted)

    # --- engagement objects: calls, emails, meetings, notes ------------------------------

    def _engagements(self, source: EngagementSource, span: _Span) -> Iterator[Activity]:
        """Few leads: follow their associations. Many or all: search the window, then link."""
        if span.wanted is not None and len(span.wanted) <= ASSOCIATION_BATCH_LIMIT:
            return self._engagements_of(source, span.wanted, span.after)
        return self._engagements_since(source, span)

    def _engagements_of(
        self, source: EngagementSource, wanted: set[str], after: datetime
    ) -> Iterator[Activity]:
        by_contact = associated_ids(self._calls, "contacts", source.object, wanted)
        record_ids = set().union(*by_contact.values())
        found = batch_read(self._calls, source.object, record_ids, engagement_names(source))
        records = {str(row["id"]): row for row in found}
        for contact, linked in sorted(by_contact.items()):
            for record_id in sorted(linked & records.keys()):
                yield from engagement_event(source, records[record_id], contact, after)

    def _engagements_since(self, source: EngagementSource, span: _Span) -> Iterator[Activity]:
        filters = [search_filter(source.timestamp, "GT", epoch_ms(span.after))]
        if span.before is not None:
            filters.append(search_filter(source.timestamp, "LTE", epoch_ms(span.before)))
        filters += [search_filter(name, "EQ", value) for name, value in source.where.items()]
        found = search_all(self._calls, source.object, filters, engagement_names(source))
        rows = {str(row["id"]): row for row in found}
        contacts = associated_ids(self._calls, source.object, "contacts", rows)
        for record_id, contact_ids in sorted(contacts.items()):
            for contact in sorted(contact_ids):
                if span.wanted is None or contact in span.wanted:
                    yield from engagement_event(source, rows[record_id], contact, span.after)

    # --- forms ---------------------------------------------------------------------------

    def _form(self, source: FormSource, span: _Span) -> Iterator[Activity]:
        submissions = list(self._submissions(source, span))
        emails = {email for email, _ in submissions}
        contact_of = {
            str((row.get("properties") or {}).get("email") or "").lower(): str(row["id"])
            for row in batch_read(self._calls, "contacts", emails, ["email"], id_property="email")
        }
        for email, submission in submissions:
            contact = contact_of.get(email)
            if contact and (span.wanted is None or contact in span.wanted):
                yield form_event(source, submission, contact)

    def _submissions(self, source: FormSource, span: _Span) -> Iterator[tuple[str, Json]]:
        """(email, submission) pairs in the span; pages stop at the first older one.

        The forms API has no time filter and answers newest first: submissions after
        `before` are paged past, but their contacts are not looked up.
        """
        path = f"/form-integrations/v1/submissions/forms/{source.form_id}"
        params: dict[str, str | int] = {"limit": _FORM_PAGE}
        after_ms = span.after.timestamp() * 1000
        before_ms = None if span.before is None else span.before.timestamp() * 1000
        while True:
            page = self._calls.raw("GET", path, params=params)
            for submission in page.get("results", []):
                submitted = int(submission.get("submittedAt", 0))
                if submitted <= after_ms:
                    return
                if before_ms is not None and submitted > before_ms:
                    continue
                email = form_field(submission, source.email_field).lower()
                if email:
                    yield email, submission
                else:
                    self._skip(source.form_id, submission, "the submission has no email")
            cursor = page.get("paging", {}).get("next", {}).get("after")
            if not cursor:
                return
            params["after"] = cursor

    def _skip(self, form_id: str, submission: Json, message: str) -> None:
        location = f"submission at {submission.get('submittedAt')}"
        self._on_problem(InputProblem(f"hubspot form {form_id}", location, message))

    # --- page views (events API, Enterprise) ----------------------------------------------

    def _page_views(self, source: PageViewSource, span: _Span) -> Iterator[Activity]:
        wanted = span.wanted
        if wanted is not None and len(wanted) <= _PER_CONTACT_EVENTS:
            for contact in sorted(wanted):
                for event in self._events(source.event_type, contact, span):
                    yield from page_view_event(source, event)
            return
        for event in self._events(source.event_type, None, span):
            if wanted is None or str(event.get("objectId")) in wanted:
                yield from page_view_event(source, event)

    def _events(self, event_type: str, contact: str | None, span: _Span) -> Iterator[Json]:
        """Occurrences of `event_type` in the span, for one contact or for all of them."""
        query: dict[str, object] = {
            "object_type": "contact", "event_type": event_type, "occurred_after": span.after,
            "limit": _EVENTS_PAGE,
        }  # fmt: skip
        if span.before is not None:
            # The span ends at `before` inclusive; the API's bound is taken as exclusive.
            query["occurred_before"] = span.before + timedelta(milliseconds=1)
        if contact is not None:
            query["object_id"] = contact
        while True:
            page = self._calls.sdk_call(self._calls.sdk.events.get_page, **query)
            yield from page.get("results", [])
            cursor = page.get("paging", {}).get("next", {}).get("after")
            if not cursor:
                return
            query["after"] = cursor
