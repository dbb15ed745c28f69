"""A full sync against the fake org writes the right values and tasks; a rerun writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from connector.compose import Settings, load_settings
from connector.state import StateStore
from connector.sync import Pipeline, RunReport, RunRequest
from tests.adapter_contract import ACTIVITIES, HOT, HOT_ACTIVITIES, LEADS, NOW
from tests.adapters.salesforce.support import make_adapter, seed
from tests.fakes.salesforce import FakeOrg
from tests.scoring_support import ROOT

EXAMPLE_CONFIG = ROOT / "config.example.toml"


@pytest.fixture
def settings() -> Settings:
    return load_settings(EXAMPLE_CONFIG)


@pytest.fixture
def org() -> Iterator[FakeOrg]:
    org = FakeOrg()
    org.now = NOW  # our writes stamp SystemModstamp with the org's clock
    with org.mock():
        seed(org, [*LEADS, HOT], [*ACTIVITIES, *HOT_ACTIVITIES])
        yield org


def sync(settings: Settings, store: StateStore, **options: bool) -> tuple[RunReport, int]:
    """One sync as of NOW on a fresh adapter; the report and the API calls it made."""
    adapter = make_adapter()
    pipeline = Pipeline(settings, adapter, store, clock=lambda: NOW + timedelta(minutes=1))
    return pipeline.run(RunRequest(now=NOW, **options)), adapter.api_calls


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
    assert incremental.selected == 4  # our own writes moved SystemModstamp: read, rescored
    full, _ = sync(settings, state_store, full=True)
    for rerun in (incremental, full):
        assert rerun.writes == []
        assert rerun.tasks_created == 0
    assert len(list(org.all("Task"))) == 1
    assert org.calls("PATCH") == 1  # the first run's, none since
    assert org.calls("POST", "composite") == 1


def test_dry_run_writes_nothing(org: FakeOrg, settings: Settings, state_store: StateStore) -> None:
    report, _ = sync(settings, state_store, dry_run=True)
    assert len(report.writes) == 4
    assert "LeadScore__c" not in org.get("L9")
    assert org.calls("PATCH") == 0
    assert org.calls("POST") == 0
