"""A small CRM of leads around the 120 bar, and a pipeline over it, for sync tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from connector.compose import Settings
from connector.model import Activity, Lead
from connector.state import StateStore
from connector.sync import Pipeline, RunReport, RunRequest
from tests.fakes.memory import MemoryAdapter, MemoryCrm
from tests.scoring_support import NOW, example_rules

CLOCK_START = NOW


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, start: datetime = CLOCK_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Let time pass."""
        self.now += delta


def settings() -> Settings:
    """The example rules, no files: the CRM is in memory."""
    unused = {"leads": "unused.csv", "activities": "unused.csv"}  # the CRM is a MemoryCrm
    return Settings(csv=unused, scoring=example_rules())


def activity(number: int, lead_id: str, kind: str, at: datetime, **properties: object) -> Activity:
    """An activity with a readable id."""
    return Activity(f"{lead_id}-{kind}-{number}", lead_id, kind, at, properties)  # type: ignore[arg-type]


def seeded_crm(leads: int = 7) -> MemoryCrm:
    """Leads L0..L6: L0 and L6 at 140 (高, task), L3 at 100 (中), the rest low."""
    crm = MemoryCrm()
    for number in range(leads):
        lead_id = f"L{number}"
        industry = "自動車" if number % 2 == 0 else "食品"
        attributes = {"industry": industry, "title": "部長", "name": lead_id}
        crm.add_lead(Lead(lead_id, attributes, owner="rep"), NOW)
        visit_at = NOW - timedelta(days=20 + number)
        crm.add_activity(activity(0, lead_id, "trade_show_visit", visit_at), NOW)
        if number % 3 == 0:
            add_evaluating_reader(crm, lead_id)
        if number % 6 == 0:
            add_abc_download(crm, lead_id, 9, NOW)
    return crm


def add_evaluating_reader(crm: MemoryCrm, lead_id: str) -> None:
    """A 現在検討中 survey answer and three one-minute ABC page views: +80."""
    survey = activity(1, lead_id, "form_submit", NOW - timedelta(days=2), answer="現在検討中")
    crm.add_activity(survey, NOW)
    for view in range(3):
        at = NOW - timedelta(days=view + 1)
        page_view = activity(
            2 + view, lead_id, "page_view", at, page="/products/abc", duration_seconds=60.0
        )
        crm.add_activity(page_view, NOW)


def add_abc_download(
    crm: MemoryCrm, lead_id: str, number: int, at: datetime, occurred_at: datetime | None = None
) -> None:
    """A download from the product ABC e-mail (+20), recorded in the CRM at `at`."""
    when = occurred_at or at
    download = activity(number, lead_id, "download", when, campaign="product-abc", channel="email")
    crm.add_activity(download, at)


def run(
    crm: MemoryCrm,
    store: StateStore,
    as_of: datetime,
    clock: Clock | None = None,
    **options: bool,
) -> RunReport:
    """One sync of `crm` as of `as_of` (by default a minute after the CRM's last edit)."""
    clock = clock or Clock(as_of + timedelta(minutes=1))
    pipeline = Pipeline(settings(), MemoryAdapter(crm), store, clock)
    return pipeline.run(RunRequest(as_of, **options))
