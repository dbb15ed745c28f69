"""API calls for a Salesforce rescore against the fake org: leadscore vs the minimum vs per-record.

Run from the repository root:  .venv/bin/python -m bench.salesforce_calls [--leads N]

Scenarios, each on a freshly seeded fake org (10k leads, 100k activities by default):
- full rescore with sObject Collections only (bulk_threshold = 0), and with Bulk API 2.0;
- the unchanged rerun right after it (must write nothing), and one an hour later: our own
  writes must not make the first look changed (target: at most 1.1x the second's calls);
- a per-record script: the same reads, then `sf.Lead.update` per lead and `sf.Task.create`
  per task, as a hand-written integration would.
"Minimum" is what the batch limits allow for the same reads and writes: one call per
2,000-record query page, per 200 records written and per 200 tasks created (the sObject
Collections limit; Bulk API 2.0 goes under it with four or five calls per ingest job).
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from simple_salesforce.api import Salesforce

from adapters.salesforce.soql import select
from connector.compose import load_settings
from connector.http import CallMeter, RequestsBridge, make_client
from connector.state import StateStore
from connector.sync import Pipeline, RunReport, RunRequest
from tests.adapters.salesforce.support import add_marketing_schema, make_adapter, session_settings
from tests.fakes.salesforce import INSTANCE, FakeOrg, sf_datetime

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"
PAGE, BATCH = 2000, 200
RIGHT_AFTER = "unchanged rerun right after (+10 min)"
HOUR_LATER = "unchanged rerun an hour later"


@dataclass
class Figures:
    """One scenario's outcome."""

    name: str
    calls: int
    writes: int
    tasks: int
    minimum: int


def seed(org: FakeOrg, leads: int, activities: int, rng: random.Random) -> list[str]:
    """Leads with the article's attributes, and activities spread over four sources."""
    add_marketing_schema(org)
    org.now = NOW - timedelta(days=1)  # the data predates the run; the run's writes do not
    ids = [
        org.add(
            "Lead",
            LastName=f"Lead {n}",
            Company=f"Company {n % 997}",
            Industry=rng.choice(["自動車", "電機", "化学", "Automotive"]),
            Title=rng.choice(["部長", "課長", "主任", "Director", "担当"]),
            OwnerId=f"005{n % 20:015d}",
            IsConverted=False,
        )
        for n in range(leads)
    ]
    campaigns = [org.add("Campaign", Name=f"Expo {n}", Type="Trade Show") for n in range(10)]
    for n in range(activities):
        _activity(org, n % 20, rng.choice(ids), campaigns, rng)
    return ids


def _activity(org: FakeOrg, slot: int, lead: str, campaigns: list[str], rng: random.Random) -> None:
    at = NOW - timedelta(days=rng.uniform(0, 29), seconds=1)
    if slot < 4:  # 20%: trade-show responses
        org.add(
            "CampaignMember",
            CampaignId=rng.choice(campaigns),
            LeadId=lead,
            HasResponded=True,
            FirstRespondedDate=at.date().isoformat(),
            Status="Responded",
        )
    elif slot < 9:  # 25%: email tasks
        org.add(
            "Task",
            WhoId=lead,
            TaskSubtype="Email",
            Status="Completed",
            Subject="Email",
            CreatedDate=sf_datetime(at),
        )
    elif slot < 18:  # 45%: web visits
        org.add(
            "WebVisit__c",
            Lead__c=lead,
            VisitedAt__c=sf_datetime(at),
            Page__c=rng.choice(["/products/abc", "/products/xyz", "/blog"]),
            Seconds__c=rng.randint(10, 400),
        )
    else:  # 10%: downloads and survey answers
        survey = rng.random() < 0.5
        org.add(
            "MarketingActivity__c",
            Lead__c=lead,
            OccurredAt__c=sf_datetime(at),
            Type__c="Survey" if survey else "Download",
            Campaign__c="product-abc",
            Channel__c="email",
            Answer__c=rng.choice(["現在検討中", "情報収集"]) if survey else None,
        )


def run_sync(org: FakeOrg, store: StateStore, *, bulk: bool, at: datetime) -> RunReport:
    """One leadscore sync at `at` (the org stamps its writes then too); its report."""
    org.now = at
    settings = session_settings(bulk_threshold=2000 if bulk else 0)
    adapter = make_adapter(settings)
    pipeline = Pipeline(load_settings(CONFIG), adapter, store, clock=lambda: at)
    report = pipeline.run(RunRequest(now=at))
    report.api_calls = adapter.api_calls
    return report


def minimum(org: FakeOrg, first_query: int, report: RunReport) -> int:
    """Calls the batch limits allow for the queries the run made and what it wrote."""
    pages = sum(max(1, math.ceil(size / PAGE)) for size in org.query_sizes[first_query:])
    written = len(report.writes)
    return pages + math.ceil(written / BATCH) + math.ceil(report.tasks_created / BATCH)


def per_record_script(org: FakeOrg, report: RunReport) -> int:
    """The same reads, then one update per lead and one create per task (simple-salesforce)."""
    meter = CallMeter()
    session = requests.Session()
    session.mount("https://", RequestsBridge(make_client(base_url=INSTANCE, meter=meter)))
    sf = Salesforce(instance_url=INSTANCE, session_id="token-0", session=session, version="59.0")
    sf.query_all(select("Lead", ["Id", "Industry", "Title"]))
    for sobject in ("CampaignMember", "Task", "WebVisit__c", "MarketingActivity__c"):
        sf.query_all(select(sobject, ["Id"]))
    for item in report.writes:
        result = item.result
        sf.Lead.update(
            result.lead_id, {"LeadScore__c": result.total, "LeadPriority__c": result.priority}
        )
    for task in report.tasks:
        sf.Task.create({"WhoId": task.lead_id, "Subject": task.subject})
    return meter.calls


def scenario(leads: int, activities: int, *, bulk: bool) -> list[Figures]:
    """A full rescore, the rerun right after it, and one more, on a fresh org and store."""
    org, label = FakeOrg(), "Bulk API 2.0" if bulk else "Collections"
    runs = [
        (f"full rescore ({label})", NOW),
        (RIGHT_AFTER, NOW + 10 * MINUTE),
        (HOUR_LATER, NOW + 70 * MINUTE),
    ]
    figures = []
    with org.mock(), tempfile.TemporaryDirectory() as folder:
        seed(org, leads, activities, random.Random(42))
        store = StateStore.open(f"sqlite:///{folder}/state.db")
        for name, at in runs:
            mark = len(org.query_sizes)
            report = run_sync(org, store, bulk=bulk, at=at)
            figures.append(
                Figures(
                    name,
                    report.api_calls,
                    report.written,
                    report.tasks_created,
                    minimum(org, mark, report),
                )
            )
        store.close()
    return figures


def per_record(leads: int, activities: int) -> Figures:
    """The per-record script on a fresh org, writing what leadscore's full rescore wrote."""
    org = FakeOrg()
    with org.mock():
        seed(org, leads, activities, random.Random(42))
        with tempfile.TemporaryDirectory() as folder:
            store = StateStore.open(f"sqlite:///{folder}/state.db")
            pipeline = Pipeline(load_settings(CONFIG), make_adapter(), store)
            report = pipeline.run(RunRequest(now=NOW, dry_run=True))
            store.close()
        calls = per_record_script(org, report)
    return Figures("per-record script", calls, len(report.writes), len(report.tasks), 0)


def main() -> None:
    """Print the figures as a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=100_000)
    args = parser.parse_args()
    started = time.monotonic()
    rows = [
        *scenario(args.leads, args.activities, bulk=False),
        *scenario(args.leads, args.activities, bulk=True),
        per_record(args.leads, args.activities),
    ]
    print(f"{args.leads:,} leads, {args.activities:,} activities")
    print(
        f"{'scenario':40} {'API calls':>9} {'minimum':>8} {'x min':>6} {'writes':>7} {'tasks':>6}"
    )
    for row in rows:
        ratio = f"{row.calls / row.minimum:.2f}" if row.minimum else "-"
        counts = f"{row.calls:9,} {row.minimum:8,} {ratio:>6} {row.writes:7,} {row.tasks:6,}"
        print(f"{row.name:40} {counts}")
    for first in (0, 3):  # each scenario: full, right after, an hour later
        after, later = rows[first + 1].calls, rows[first + 2].calls
        print(
            f"{rows[first].name}: rerun right after {after} calls, an hour later {later}, "
            f"{after / max(later, 1):.2f}x"
        )
    script = rows[-1].calls
    for row in (rows[0], rows[3]):  # the two full rescores
        print(f"{row.name}: {script / row.calls:.0f}x fewer calls than the per-record script")
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
