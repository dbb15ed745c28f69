"""A full sync against the fake org writes the right values and tasks; a rerun writes nothing."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from connector.compose import Settings, load_settings
from connector.model import Activity, Lead
from connector.state import StateStore
from connector.sync import Pipeline, RunReport, RunRequest
from tests.adapter_contract import ACTIVITIES, HOT, HOT_ACTIVITIES, LEADS, NOW
from tests.adapters.salesforce.support import make_adapter, seed, session_settings
from tests.fakes.salesforce import FakeOrg, sf_datetime
from tests.scoring_support import ROOT

EXAMPLE_CONFIG = ROOT / "config.example.toml"


@pytest.fixture
def settings() -> Settings:
    return load_settings(EXAMPLE_CONFIG)


@pytest.fixture
def org() -> Iterator[FakeOrg]:
    org = FakeOrg()
    org.now = NOW - timedelta(days=1)  # the data was entered yesterday by people
    with org.mock():
        seed(org, [*LEADS, HOT], [*ACTIVITIES, *HOT_ACTIVITIES])
        org.now = NOW  # our writes stamp SystemModstamp with the org's clock
        yield org


def sync(
    settings: Settings, store: StateStore, at: datetime = NOW, **options: bool
) -> tuple[RunReport, int]:
    """One sync as of `at` on a fresh adapter; the report and the API calls it made."""
    adapter = make_adapter()
    pipeline = Pipeline(settings, adapter, store, clock=lambda: at + timedelta(minutes=1))
    return pipeline.run(RunRequest(now=at, **options)), adapter.api_calls


def settled(org: FakeOrg, settings: Settings, store: StateStore) -> datetime:
    """A full run, and a rerun after it, so the next cursor is past our own writes."""
    sync(settings, store)
    sync(settings, store, NOW + timedelta(minutes=20))
    org.now = NOW + timedelta(minutes=30)
    return org.now


def test_full_sync_writes_scores_and_one_task_then_reruns_write_nothing(
    org: FakeOrg, settings: Settings, state_store: StateStore
) -> None:
    report, _ = sync(settings, state_store)
    assert report.written == 4
    assert not report.failures
    hot = org.get("L9")
    assert (hot["LeadScore__c"], hot["LeadPriority__c"]) == (150, "高")
    assert "展示会来場" in hot["LeadScoreReasons__c"]
    (task,) = org.all("Task")
    assert (task["WhoId"], task["OwnerId"], task["Priority"]) == ("L9", "005OWNER", "High")
    assert task["LeadScoreTaskKey__c"] == "leadscore:L9:2026-11-20"

    incremental, _ = sync(settings, state_store)
    assert incremental.mode == "incremental"
    assert incremental.selected == 0  # our own writes moved SystemModstamp, but were ours
    full, _ = sync(settings, state_store, full=True)
    for rerun in (incremental, full):
        assert rerun.writes == []
        assert rerun.tasks_created == 0
    assert len(list(org.all("Task"))) == 1
    assert org.calls("PATCH") == 1  # the first run's, none since
    assert org.calls("POST", "composite") == 1


def test_a_person_editing_a_lead_after_our_write_has_it_rescored(
    org: FakeOrg, settings: Settings, state_store: StateStore
) -> None:
    sync(settings, state_store)
    org.now += timedelta(minutes=30)
    org.edit("L2", Title="部長")
    report, _ = sync(settings, state_store, org.now)
    assert report.selected == 1
    assert [item.lead.id for item in report.writes] == ["L2"]


def campaign_member_of(org: FakeOrg, lead_id: str) -> dict[str, Any]:
    return next(r for r in org.all("CampaignMember") if r["LeadId"] == lead_id)


def test_a_deleted_trade_show_response_stops_counting_on_the_next_run(
    org: FakeOrg, settings: Settings, state_store: StateStore
) -> None:
    later = settled(org, settings, state_store)
    org.delete(campaign_member_of(org, "L9")["Id"])
    report, _ = sync(settings, state_store, later)
    (item,) = report.writes
    assert item.lead.id == "L9"
    assert org.get("L9")["LeadScore__c"] < 150
    assert "展示会来場" not in org.get("L9")["LeadScoreReasons__c"]


def test_a_campaign_whose_type_changes_rescored_its_members(
    org: FakeOrg, settings: Settings, state_store: StateStore
) -> None:
    later = settled(org, settings, state_store)
    assert "展示会来場" in org.get("L9")["LeadScoreReasons__c"]
    org.edit(campaign_member_of(org, "L9")["CampaignId"], Type="Banner Ads")  # not a fair
    report, _ = sync(settings, state_store, later)
    assert [item.lead.id for item in report.writes] == ["L9"]
    assert "展示会来場" not in org.get("L9")["LeadScoreReasons__c"]


def test_dry_run_writes_nothing(org: FakeOrg, settings: Settings, state_store: StateStore) -> None:
    report, _ = sync(settings, state_store, dry_run=True)
    assert len(report.writes) == 4
    assert "LeadScore__c" not in org.get("L9")
    assert org.calls("PATCH") == 0
    assert org.calls("POST") == 0


def hot_leads(count: int) -> tuple[list[Lead], list[Activity]]:
    """`count` copies of the hot lead, with ids shaped like real ones (18 characters)."""
    leads, activities = [], []
    for n in range(count):
        lead_id = f"00Q5g{n:013d}"
        leads.append(dataclasses.replace(HOT, id=lead_id))
        activities += [
            dataclasses.replace(a, id=f"{a.id}-{n}", lead_id=lead_id) for a in HOT_ACTIVITIES
        ]
    return leads, activities


def test_a_thousand_leads_entering_the_follow_up_band_at_once_keep_the_org_scored(
    settings: Settings, state_store: StateStore
) -> None:
    org = FakeOrg()
    org.now = NOW
    leads, activities = hot_leads(1000)
    with org.mock():
        seed(org, leads, activities)
        for n in range(12_000):  # a year of earlier follow-ups: too many to read them all
            org.add("Task", WhoId=f"00Q4a{n:013d}", LeadScoreTaskKey__c=f"leadscore:{n}:2025")
        report, _ = sync(settings, state_store)
        assert report.tasks_created == 1000  # the task-key lookup fitted the URI limit
        assert report.written == 1000
        assert org.get(leads[-1].id)["LeadPriority__c"] == "高"
        for lead in leads:  # as a run that died after reserving tomorrow's keys leaves them
            state_store.reserve_task(f"leadscore:{lead.id}:2026-11-21", lead.id, NOW)
        rerun, _ = sync(settings, state_store)  # looks all 1,000 keys up again
        assert rerun.failures == []
        assert rerun.writes == []
        assert rerun.tasks_created == 0
        assert len(list(org.all("Task"))) == 13_000
        assert org.longest_url <= session_settings().max_query_url_bytes


def test_a_lead_with_thousands_of_activities_gets_a_breakdown_within_the_field(
    org: FakeOrg, settings: Settings, state_store: StateStore
) -> None:
    org.now = NOW - timedelta(days=1)
    for n in range(1500):  # the fake refuses a value over the field's 32,768 characters
        at = NOW - timedelta(days=2, minutes=n)
        org.add("WebVisit__c", Lead__c="L9", VisitedAt__c=sf_datetime(at), Page__c="/products/abc",
                Seconds__c=30.0)  # fmt: skip
    org.now = NOW
    report, _ = sync(settings, state_store)
    assert not report.failures
    text = org.get("L9")["LeadScoreBreakdown__c"]
    assert 30_000 < len(text) <= 32_768
    document = json.loads(text)
    assert document["truncated"] is True
    assert document["score"] == org.get("L9")["LeadScore__c"]
    assert sum(rule.get("evidence_more", 0) for rule in document["rules"]) > 0
    assert org.get("L9")["LeadScoreNextChangeAt__c"] is not None
    full, _ = sync(settings, state_store, NOW + timedelta(minutes=20), full=True)
    assert full.writes == []  # the bounded breakdown reads back as what was written
