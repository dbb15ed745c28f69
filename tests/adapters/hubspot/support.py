"""Helpers for the HubSpot tests: a fake portal on respx and an adapter wired to it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from adapters.hubspot.adapter import HubSpotAdapter
from adapters.hubspot.mapping import (
    ContactPropertySource,
    EngagementSource,
    FormSource,
    HubSpotMapping,
    PageViewSource,
)
from adapters.hubspot.settings import HubSpotSettings
from connector.model import Activity, Lead
from connector.ports import InputProblem
from tests.fakes.hubspot import BASE_URL, FakePortal, iso

TOKYO = ZoneInfo("Asia/Tokyo")
SURVEY_FORM = "survey-abc"
DOWNLOAD_FORM = "download-abc"

MAPPING = HubSpotMapping(
    attributes={
        "email": "email",
        "name": ["lastname", "firstname"],
        "company": "company",
        "industry": "industry",
        "employees": "numberofemployees",
        "title": "jobtitle",
    },
    activities=[
        ContactPropertySource(
            source="contact_property", property="leadscore_trade_show", mode="history",
            kind="trade_show_visit", value_as="campaign",
        ),
        EngagementSource(
            source="engagement", object="meetings", kind="seminar_attended",
            where={"hs_meeting_outcome": "COMPLETED"}, properties={"campaign": "hs_meeting_title"},
        ),
        FormSource(source="form", form_id=SURVEY_FORM, kind="form_submit",
                   campaign="product-abc-survey", fields={"answer": "survey_status"}),
        FormSource(source="form", form_id=DOWNLOAD_FORM, kind="download",
                   campaign="product-abc", fields={"channel": "utm_medium"}),
        PageViewSource(source="page_views", duration_seconds="hs_dwell_seconds"),
    ],
)  # fmt: skip


#: The test mapping writing the optional result properties too.
MAPPING_WITH_EVERY_RESULT = MAPPING.model_copy(
    update={
        "results": MAPPING.results.model_copy(
            update={
                "breakdown": "leadscore_breakdown",
                "next_change_at": "leadscore_next_change_at",
            }
        )
    }
)


class Recorder:
    """Collects what the adapter reports, and keeps a virtual clock its sleeps advance."""

    def __init__(self) -> None:
        self.problems: list[InputProblem] = []
        self.sleeps: list[float] = []
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@contextmanager
def mounted(fake: FakePortal) -> Iterator[FakePortal]:
    """`fake` serving every request the clients made meanwhile."""
    with respx.mock(assert_all_called=False) as router:
        fake.mount(router)
        yield fake


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    """A fake portal serving every request the test's clients make."""
    with mounted(FakePortal()) as fake:
        yield fake


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def adapter_on_fake(
    recorder: Recorder,
    *,
    events_api: bool = True,
    mapping: HubSpotMapping = MAPPING,
    client: httpx.Client | None = None,
    token: str = "test-token",  # noqa: S107  (the fake portal's token)
) -> HubSpotAdapter:
    """An adapter on a plain client (respx intercepts it), sleeping into the recorder."""
    settings = HubSpotSettings(access_token=token, events_api=events_api)  # type: ignore[arg-type]
    return HubSpotAdapter(
        settings=settings, mapping=mapping,
        client=client or httpx.Client(base_url=BASE_URL),
        on_problem=recorder.problems.append, timezone=TOKYO, sleep=recorder.sleep,
        clock=recorder.clock,
    )  # fmt: skip


def seed(portal: FakePortal, leads: Sequence[Lead], activities: Sequence[Activity]) -> None:
    """Store canonical leads and activities the way they land in a HubSpot portal."""
    for lead in leads:
        portal.add("contacts", _contact_properties(lead), record_id=lead.id)
    shows: dict[str, list[tuple[object, str]]] = {}
    for activity in sorted(activities, key=lambda a: a.occurred_at):
        if activity.kind == "trade_show_visit":
            shows.setdefault(activity.lead_id, []).append((activity.occurred_at, activity.id))
        elif activity.kind == "page_view":
            portal.events.append(_page_view(activity))
        elif activity.kind in ("download", "form_submit"):
            _submit(portal, leads, activity)
    for lead_id, changes in shows.items():
        portal.set_history(lead_id, "leadscore_trade_show", changes)  # type: ignore[arg-type]


def _contact_properties(lead: Lead) -> dict[str, str]:
    family, _, given = lead.attribute("name").partition(" ")
    properties = {
        "email": lead.attribute("email"), "lastname": family, "firstname": given,
        "company": lead.attribute("company"), "industry": lead.attribute("industry"),
        "jobtitle": lead.attribute("title"), "hubspot_owner_id": lead.owner or "",
    }  # fmt: skip
    return {name: value for name, value in properties.items() if value}


def _page_view(activity: Activity) -> dict[str, object]:
    properties = {"hs_url": activity.properties.get("page", "")}
    if "duration_seconds" in activity.properties:
        properties["hs_dwell_seconds"] = str(activity.properties["duration_seconds"])
    return {
        "id": activity.id, "eventType": "e_visited_page", "objectType": "CONTACT",
        "objectId": activity.lead_id, "occurredAt": iso(activity.occurred_at),
        "properties": properties,
    }  # fmt: skip


def _submit(portal: FakePortal, leads: Sequence[Lead], activity: Activity) -> None:
    email = next(lead.attribute("email") for lead in leads if lead.id == activity.lead_id)
    values = [{"name": "email", "value": email}]
    if activity.kind == "download":
        form, values = DOWNLOAD_FORM, [*values, _value("utm_medium", activity, "channel")]
    else:
        form, values = SURVEY_FORM, [*values, _value("survey_status", activity, "answer")]
    submitted = int(activity.occurred_at.timestamp() * 1000)
    portal.forms[form].append({"submittedAt": submitted, "values": values, "pageUrl": ""})


def _value(field: str, activity: Activity, canonical: str) -> dict[str, str]:
    return {"name": field, "value": str(activity.properties.get(canonical, ""))}
