"""Benchmark (not a test): HubSpot API calls and wall time of a full rescore and a rerun.

    .venv/bin/python bench/hubspot_calls.py [--contacts 25000] [--per-10s 100] [--seed 7]

A synthetic portal of `--contacts` contacts (fit attributes, trade-show badge imports, seminar
meetings, survey and download forms, page views) is served by the fake portal through respx.
Every request passes an app limiter of `--per-10s` requests per 10 s (real time) and a meter.
The sync pipeline (on an in-memory state store) runs with `config.example.toml`'s rules: a
full rescore; an unchanged incremental rerun right after it (ten minutes later: the
write-back touched `lastmodifieddate` of every contact written, which the adapter tells
from a person's change); an unchanged rerun an hour later; and a rerun --full. The last
line compares the two unchanged reruns. Printed next to
them: the minimum calls the endpoints' page and batch sizes allow for the same data (full
runs), calls / app rate, the sequential floor (searches at 5/s, the rest at the app rate),
and what a per-record script (one call per contact and source, one PATCH per contact) would
need, computed, not run (it would take hours at this rate). "wall-fake" is the wall time
less the fake portal's own CPU time (HubSpot's servers do that work in real life).
Takes about ten minutes for 25,000 contacts.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import respx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.hubspot.adapter import HubSpotAdapter  # noqa: E402
from adapters.hubspot.mapping import load_hubspot_mapping  # noqa: E402
from adapters.hubspot.settings import HubSpotSettings  # noqa: E402
from connector.compose import load_settings  # noqa: E402
from connector.http import RateLimiter  # noqa: E402
from connector.state import StateStore  # noqa: E402
from connector.sync import Pipeline, RunReport, RunRequest  # noqa: E402
from tests.fakes.hubspot import BASE_URL, FakePortal, iso  # noqa: E402

AS_OF = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
SURVEY = "00000000-0000-0000-0000-000000000abc"
DOWNLOAD = "00000000-0000-0000-0000-000000000def"
INDUSTRIES = ["自動車", "電機", "化学", "食品", "automotive parts", "物流"]
TITLES = ["部長", "課長", "主任", "取締役", "担当", "director", "engineer"]


@dataclass
class Seeded:
    """What the synthetic portal holds, as counts the minimum is computed from."""

    contacts: int = 0
    show_contacts: int = 0
    meetings: int = 0
    submissions: dict[str, int] | None = None
    page_views: int = 0


def seed(portal: FakePortal, contacts: int, rng: random.Random) -> Seeded:
    """A portal with fit attributes and behaviour spread over the last 90 days."""
    seeded = Seeded(contacts=contacts, submissions={SURVEY: 0, DOWNLOAD: 0})
    for n in range(contacts):
        portal.now = AS_OF - timedelta(days=rng.uniform(0, 90))
        contact = portal.add("contacts", _attributes(n, rng))
        _behaviour(portal, contact, n, rng, seeded)
    portal.now = AS_OF
    return seeded


def _attributes(n: int, rng: random.Random) -> dict[str, str]:
    return {
        "email": f"lead{n}@example.co.jp", "lastname": f"山田{n}", "firstname": "太郎",
        "company": f"会社{n % 997}", "industry": rng.choice(INDUSTRIES),
        "jobtitle": rng.choice(TITLES), "hubspot_owner_id": str(100 + n % 40),
    }  # fmt: skip


def _behaviour(
    portal: FakePortal, contact: str, n: int, rng: random.Random, seeded: Seeded
) -> None:
    """Trade shows (20%), seminars (5%), forms (8% / 5%), page views (15%); 2% do it all."""
    recent = portal.now
    hot = rng.random() < 0.02
    if hot:
        _everything(portal, contact, n)
        return
    if rng.random() < 0.20:
        shows = sorted(
            recent - timedelta(days=rng.uniform(0, 40)) for _ in range(rng.randint(1, 2))
        )
        portal.set_history(contact, "leadscore_trade_show", [(at, f"Expo {at:%m}") for at in shows])
        seeded.show_contacts += 1
    if rng.random() < 0.05:
        at = AS_OF - timedelta(days=rng.uniform(0, 45))
        properties = {"hs_timestamp": iso(at), "hs_meeting_outcome": "COMPLETED"}
        meeting = portal.add("meetings", properties | {"hs_meeting_title": "ABC seminar"})
        portal.associate("meetings", meeting, "contacts", contact)
        seeded.meetings += 1
    for form, share, field, value in ((DOWNLOAD, 0.08, "utm_medium", "email"),
                                      (SURVEY, 0.05, "survey_status", "現在検討中")):  # fmt: skip
        if rng.random() < share:
            at = AS_OF - timedelta(days=rng.uniform(0, 45))
            values = [
                {"name": "email", "value": f"lead{n}@example.co.jp"},
                {"name": field, "value": value},
            ]
            portal.forms[form].append({"submittedAt": int(at.timestamp() * 1000), "values": values})
            assert seeded.submissions is not None
            seeded.submissions[form] += 1
    if rng.random() < 0.15:
        for view in range(rng.randint(1, 5)):
            at = AS_OF - timedelta(days=rng.uniform(0, 45))
            portal.events.append(page_view(f"{contact}-{view}", contact, at))
            seeded.page_views += 1


def _everything(portal: FakePortal, contact: str, n: int) -> None:
    """A hot lead: 自動車, 部長, a show, the download, the survey and five product page views."""
    record = portal.objects["contacts"][contact]
    record.update({"industry": "自動車", "jobtitle": "生産技術部 部長"})
    portal.set_history(contact, "leadscore_trade_show", [(AS_OF - timedelta(days=5), "Expo 11")])
    email = {"name": "email", "value": f"lead{n}@example.co.jp"}
    submitted = int((AS_OF - timedelta(days=2)).timestamp() * 1000)
    for form, field, value in (
        (DOWNLOAD, "utm_medium", "email"),
        (SURVEY, "survey_status", "現在検討中"),
    ):
        portal.forms[form].append(
            {"submittedAt": submitted, "values": [email, {"name": field, "value": value}]}
        )
    for view in range(5):
        at = AS_OF - timedelta(days=1, hours=view)
        portal.events.append(page_view(f"{contact}-hot{view}", contact, at))


def page_view(event_id: str, contact: str, at: datetime) -> dict[str, object]:
    """An e_visited_page occurrence on the product page."""
    page = {"hs_url": "https://example.jp/products/abc"}
    return {"id": event_id, "eventType": "e_visited_page", "objectType": "CONTACT",
            "objectId": contact, "occurredAt": iso(at), "properties": page}  # fmt: skip


def activity_minimum(portal: FakePortal) -> int:
    """The fewest calls the endpoints' page sizes allow to read the window's activities."""
    start = AS_OF - WINDOW
    shows = sum(1 for c in portal.objects["contacts"].values() if c.get("leadscore_trade_show")
                and c["lastmodifieddate"] >= iso(start))  # fmt: skip
    meetings = sum(1 for m in portal.objects["meetings"].values() if m["hs_timestamp"] > iso(start))
    views = sum(1 for e in portal.events if e["occurredAt"] > iso(start))
    forms = 0
    for submissions in portal.forms.values():
        recent = sum(1 for s in submissions if s["submittedAt"] > start.timestamp() * 1000)
        forms += math.ceil((recent + 1) / 50) + math.ceil(recent / 100)  # pages, email lookups
    return (math.ceil(shows / 200) + math.ceil(shows / 50) + math.ceil(meetings / 200)
            + math.ceil(meetings / 1000) + math.ceil(views / 100) + forms)  # fmt: skip


def minimum_calls(contacts: int, activities: int, report: RunReport) -> int:
    """Contacts at 200 a search, activities, writes at 100 a batch, tasks: a key search and
    a create per 100, plus one association-type lookup."""
    writes = math.ceil(report.written / 100)
    tasks = math.ceil(len(report.tasks) / 100) * 2 + (1 if report.tasks_created else 0)
    return math.ceil(contacts / 200) + activities + writes + tasks


def per_record_calls(seeded: Seeded, report: RunReport) -> int:
    """A script calling per contact: list 100 a page, then per contact history, meetings,
    events and one PATCH; forms paged; per task a create (association inline)."""
    assert seeded.submissions is not None
    forms = sum(math.ceil((count + 1) / 50) for count in seeded.submissions.values())
    per_contact = 3 * seeded.contacts
    return (
        math.ceil(seeded.contacts / 100) + per_contact + forms + report.written + len(report.tasks)
    )


class Clock:
    """The sync's wall clock: the as-of instant, then minutes later for each rerun."""

    def __init__(self) -> None:
        self.now = AS_OF

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta = timedelta(minutes=10)) -> None:
        """Move on (ten minutes: past the adapter's cursor lag)."""
        self.now += by


class Meter:
    """Counts requests (searches apart) and holds each until the app limiter lets it go."""

    def __init__(self, per_10s: int) -> None:
        self.calls = 0
        self.searches = 0
        self._per_10s = per_10s
        self._limiter = RateLimiter(per_10s, 10.0)

    def idle(self) -> None:
        """Start a fresh window, as a run started hours after the previous one would."""
        self._limiter = RateLimiter(self._per_10s, 10.0)

    def __call__(self, request: httpx.Request) -> None:
        self._limiter.acquire()
        self.calls += 1
        self.searches += request.url.path.endswith("/search")


@dataclass
class Figures:
    """One run's outcome and cost."""

    name: str
    report: RunReport
    calls: int
    searches: int
    wall: float
    fake: float
    activity_minimum: int


def run(name: str, pipeline: Pipeline, meter: Meter, portal: FakePortal, *, full: bool) -> Figures:
    """One sync from an idle limiter, with its calls, searches and wall and fake seconds."""
    least = activity_minimum(portal) if full else 0
    portal.now = pipeline.clock() + timedelta(minutes=1)  # writes land after the run starts
    meter.idle()
    calls, searches, fake = meter.calls, meter.searches, portal.service_seconds
    started = time.perf_counter()
    report = pipeline.run(RunRequest(now=AS_OF, full=full))
    wall = time.perf_counter() - started
    return Figures(name, report, meter.calls - calls, meter.searches - searches, wall,
                   portal.service_seconds - fake, least)  # fmt: skip


HEADER = ("run", "calls", "searches", "minimum", "x min", "wall s", "fake s", "wall-fake s",
          "calls/rate s", "x", "floor s", "x", "writes", "tasks", "per-record calls",
          "per-record s")  # fmt: skip


def print_figures(seeded: Seeded, rows: list[Figures], per_10s: int) -> None:
    """The portal, then one line per run: calls, wall time and the comparisons."""
    print(f"portal: {seeded.contacts} contacts, {seeded.show_contacts} with badge imports, "
          f"{seeded.meetings} seminar meetings, {seeded.submissions} form submissions, "
          f"{seeded.page_views} page views")  # fmt: skip
    print(f"limits: app {per_10s} requests / 10 s (real time), search 5 requests / s")
    print("  ".join(HEADER))
    for row in rows:
        cells = _cells(seeded, row, per_10s / 10.0)
        print(
            "  ".join(f"{cell!s:>{len(title)}}" for cell, title in zip(cells, HEADER, strict=True))
        )


def _cells(seeded: Seeded, row: Figures, rate: float) -> list[object]:
    """calls/rate: every call at the app rate. floor: searches at 5/s, the rest at the app
    rate, one after the other (what a sequential client can reach)."""
    report = row.report
    least = (
        minimum_calls(seeded.contacts, row.activity_minimum, report) if row.activity_minimum else 0
    )
    client_wall = row.wall - row.fake
    at_rate = row.calls / rate
    floor = row.searches / 5 + (row.calls - row.searches) / rate
    naive = per_record_calls(seeded, report)
    ratio = f"{row.calls / least:.2f}" if least else "-"
    cost = [row.name, row.calls, row.searches, least or "-", ratio]
    time_ = [f"{row.wall:.1f}", f"{row.fake:.1f}", f"{client_wall:.1f}", f"{at_rate:.1f}"]
    time_ += [f"{client_wall / at_rate:.2f}", f"{floor:.1f}", f"{client_wall / floor:.2f}"]
    effect = [report.written, report.tasks_created, naive, f"{naive / rate:.0f}"]
    return cost + time_ + effect


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--per-10s", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    portal = FakePortal()
    seeded = seed(portal, args.contacts, random.Random(args.seed))
    meter = Meter(args.per_10s)
    client = httpx.Client(base_url=BASE_URL, event_hooks={"request": [meter]})
    token = SecretStr("test-token")  # the fake portal's token
    settings = HubSpotSettings(access_token=token, events_api=True, rate_limit_per_10s=args.per_10s)
    adapter = HubSpotAdapter(
        settings=settings, mapping=load_hubspot_mapping(ROOT / "mappings" / "hubspot.toml"),
        client=client, on_problem=lambda problem: None, timezone=ZoneInfo("Asia/Tokyo"),
    )  # fmt: skip
    rules = load_settings(ROOT / "config.example.toml")
    clock = Clock()
    pipeline = Pipeline(rules, adapter, StateStore.open("sqlite://"), clock=clock)
    with respx.mock(assert_all_called=False) as router:
        portal.mount(router)
        rows = [run("full rescore", pipeline, meter, portal, full=True)]
        clock.advance()
        rows.append(run("rerun", pipeline, meter, portal, full=False))
        clock.advance(timedelta(hours=1))
        rows.append(run("rerun 1h later", pipeline, meter, portal, full=False))
        clock.advance()
        rows.append(run("rerun --full", pipeline, meter, portal, full=True))
    print_figures(seeded, rows, args.per_10s)
    right_after, hour_later = rows[1].calls, rows[2].calls
    print(f"unchanged rerun right after the full run: {right_after} calls; an hour later:"
          f" {hour_later} calls ({right_after / max(hour_later, 1):.2f}x)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
