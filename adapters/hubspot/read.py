"""Reading HubSpot: contacts as leads, and the mapping's activity sources as activities."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

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
    associated_ids,
    batch_read,
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
    ) -> None:
        self._calls = calls
        self._mapping = mapping
        self._activities = activities
        self._clock = clock
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

        The search already returns the mapped properties: the `read` that follows within a
        few minutes takes those rows instead of reading the contacts again.
        """
        modified = search_filter("lastmodifieddate", "GTE", epoch_ms(since))
        properties = self._mapping.contact_properties()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubspot") as pool:
            active = pool.submit(self._activities.active_lead_ids, since)
            rows = list(search_all(self._calls, "contacts", [modified], properties))
            self._changed_rows = {str(row["id"]): row for row in rows}
            self._changed_at = self._clock()
            return set(self._changed_rows) | active.result()

    def _take_changed_rows(self, ids: Collection[str]) -> dict[str, Json]:
        """Rows the last `changed_ids` returned for these ids, if recent; used once."""
        rows, self._changed_rows = self._changed_rows, {}
        if self._clock() - self._changed_at > _CHANGED_ROWS_TTL:
            return {}
        return {record_id: rows[record_id] for record_id in ids if record_id in rows}


class ActivityReader:
    """Reads every activity source of a mapping; sources the portal lacks are skipped."""

    def __init__(
        self,
        *,
        calls: HubSpotCalls,
        mapping: HubSpotMapping,
        events_api: bool,
        on_problem: ProblemSink,
    ) -> None:
        self._calls = calls
        self._mapping = mapping
        self._events_api = events_api
        self._on_problem = on_problem

    def read(self, lead_ids: Collection[str] | None, after: datetime) -> Iterator[Activity]:
        """Activities of `lead_ids` (all leads when None) that occurred after `after`.

        The sources are read side by side: searches wait on the search endpoint's 5/s while
        batch reads, forms and events use the rest of the app's budget, instead of each
        source waiting for the one before it.
        """
        wanted = None if lead_ids is None else set(lead_ids)
        sources = self._mapping.activities
        if len(sources) < 2:
            for source in sources:
                yield from self._source(source, wanted, after)
            return
        with ThreadPoolExecutor(max_workers=len(sources), thread_name_prefix="hubspot") as pool:
            futures = [pool.submit(self._collect, source, wanted, after) for source in sources]
            try:
                for future in futures:
                    yield from future.result()
            finally:
                for future in futures:
                    future.cancel()

    def _collect(
        self, source: ActivitySource, wanted: set[str] | None, after: datetime
    ) -> list[Activity]:
        return list(self._source(source, wanted, after))

    def _source(
        self, source: ActivitySource, wanted: set[str] | None, after: datetime
    ) -> Iterator[Activity]:
        if isinstance(source, ContactPropertySource):
            yield from self._contact_property(source, wanted, after)
        elif isinstance(source, EngagementSource):
            yield from self._engagements(source, wanted, after)
        elif isinstance(source, FormSource):
            yield from self._form(source, wanted, after)
        elif self._events_api:
            yield from self._page_views(source, wanted, after)

    def active_lead_ids(self, since: datetime) -> set[str]:
        """Leads with activities since `since` in sources that do not touch the contact."""
        kinds = (EngagementSource, FormSource, PageViewSource)
        if not any(isinstance(source, kinds) for source in self._mapping.activities):
            return set()
        return {
            activity.lead_id
            for activity in self.read(None, since)
            if not activity.id.startswith("property:")
        }

    # --- contact properties (trade-show badge imports and the like) -----------------------

    def _contact_property(
        self, source: ContactPropertySource, wanted: set[str] | None, after: datetime
    ) -> Iterator[Activity]:
        if source.mode == "timestamp":
            for row in self._contacts_with(source.property, wanted, after, source.property):
                yield from timestamp_event(source, row, after)
            return
        # A property change touches the contact: only contacts modified since can have one.
        rows = self._contacts_with(source.property, wanted, after, "lastmodifieddate")
        candidates = {str(row["id"]) for row in rows}
        history = [source.property]
        for row in batch_read(self._calls, "contacts", candidates, [], history=history):
            yield from history_events(source, row, after)

    def _contacts_with(
        self, name: str, wanted: set[str] | None, after: datetime, since_property: str
    ) -> Iterator[Json]:
        """Contacts (of `wanted`, or all) having `name`, with `since_property` past `after`.

        A few leads are batch read; many or all are searched, which also skips contacts
        without the property.
        """
        if wanted is not None and len(wanted) <= ASSOCIATION_BATCH_LIMIT:
            return batch_read(self._calls, "contacts", wanted, [name])
        filters = [
            search_filter(since_property, "GT", epoch_ms(after)),
            {"propertyName": name, "operator": "HAS_PROPERTY"},
        ]
        found = search_all(self._calls, "contacts", filters, [name])
        return (row for row in found if wanted is None or str(row["id"]) in wanted)

    # --- engagement objects: calls, emails, meetings, notes ------------------------------

    def _engagements(
        self, source: EngagementSource, wanted: set[str] | None, after: datetime
    ) -> Iterator[Activity]:
        """Few leads: follow their associations. Many or all: search the window, then link."""
        if wanted is not None and len(wanted) <= ASSOCIATION_BATCH_LIMIT:
            return self._engagements_of(source, wanted, after)
        return self._engagements_since(source, wanted, after)

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

    def _engagements_since(
        self, source: EngagementSource, wanted: set[str] | None, after: datetime
    ) -> Iterator[Activity]:
        filters = [search_filter(source.timestamp, "GT", epoch_ms(after))]
        filters += [search_filter(name, "EQ", value) for name, value in source.where.items()]
        found = search_all(self._calls, source.object, filters, engagement_names(source))
        rows = {str(row["id"]): row for row in found}
        contacts = associated_ids(self._calls, source.object, "contacts", rows)
        for record_id, contact_ids in sorted(contacts.items()):
            for contact in sorted(contact_ids):
                if wanted is None or contact in wanted:
                    yield from engagement_event(source, rows[record_id], contact, after)

    # --- forms ---------------------------------------------------------------------------

    def _form(
        self, source: FormSource, wanted: set[str] | None, after: datetime
    ) -> Iterator[Activity]:
        submissions = list(self._submissions(source, after))
        emails = {email for email, _ in submissions}
        contact_of = {
            str((row.get("properties") or {}).get("email") or "").lower(): str(row["id"])
            for row in batch_read(self._calls, "contacts", emails, ["email"], id_property="email")
        }
        for email, submission in submissions:
            contact = contact_of.get(email)
            if contact and (wanted is None or contact in wanted):
                yield form_event(source, submission, contact)

    def _submissions(self, source: FormSource, after: datetime) -> Iterator[tuple[str, Json]]:
        """(email, submission) pairs newer than `after`; pages stop at the first older one."""
        path = f"/form-integrations/v1/submissions/forms/{source.form_id}"
        params: dict[str, str | int] = {"limit": _FORM_PAGE}
        while True:
            page = self._calls.raw("GET", path, params=params)
            for submission in page.get("results", []):
                if int(submission.get("submittedAt", 0)) <= after.timestamp() * 1000:
                    return
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

    def _page_views(
        self, source: PageViewSource, wanted: set[str] | None, after: datetime
    ) -> Iterator[Activity]:
        if wanted is not None and len(wanted) <= _PER_CONTACT_EVENTS:
            for contact in sorted(wanted):
                for event in self._events(source.event_type, contact, after):
                    yield from page_view_event(source, event)
            return
        for event in self._events(source.event_type, None, after):
            if wanted is None or str(event.get("objectId")) in wanted:
                yield from page_view_event(source, event)

    def _events(self, event_type: str, contact: str | None, after: datetime) -> Iterator[Json]:
        """Occurrences of `event_type` after `after`, for one contact or for all of them."""
        query: dict[str, object] = {
            "object_type": "contact", "event_type": event_type, "occurred_after": after,
            "limit": _EVENTS_PAGE,
        }  # fmt: skip
        if contact is not None:
            query["object_id"] = contact
        while True:
            page = self._calls.sdk_call(self._calls.sdk.events.get_page, **query)
            yield from page.get("results", [])
            cursor = page.get("paging", {}).get("next", {}).get("after")
            if not cursor:
                return
            query["after"] = cursor
