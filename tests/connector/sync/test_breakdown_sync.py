"""The breakdown and next_change_at in the diff: written when they change, never for scored_at."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from connector.model import CurrentResult, Lead, breakdown_digest
from connector.ports import BASIC_RESULT_FIELDS, ResultFields
from connector.scoring import Scorer
from connector.state import StateStore
from connector.sync import Pipeline, RunReport, RunRequest
from connector.sync.breakdown import breakdown_text
from connector.sync.plan import Scored, needs_write
from tests.fakes.memory import MemoryAdapter, MemoryCrm
from tests.scoring_support import NOW, example_rules
from tests.sync_support import Clock, activity, run, seeded_crm, settings


def _run_without_fields(crm: MemoryCrm, store: StateStore, clock: Clock) -> RunReport:
    adapter = MemoryAdapter(crm, fields=BASIC_RESULT_FIELDS)
    return Pipeline(settings(), adapter, store, clock).run(RunRequest(NOW))


def test_both_fields_are_written_with_the_score(state_store: StateStore) -> None:
    crm = seeded_crm()
    run(crm, state_store, NOW)
    shown = crm.fields["L5"]
    assert shown.next_change_at == NOW + timedelta(days=5)  # its visit, 25 days old, leaves
    assert shown.breakdown is not None
    document = json.loads(shown.breakdown)
    assert (document["score"], document["next_change_at"]) == (20, "2026-11-25T09:00:00Z")


def test_a_full_rerun_later_writes_nothing_although_scored_at_moved(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    run(crm, state_store, NOW)
    later = NOW + timedelta(minutes=30)
    report = run(crm, state_store, later, full=True)
    assert report.mode == "full"
    assert (report.selected, report.written) == (7, 0)


def test_new_evidence_with_the_same_score_writes_the_breakdown(state_store: StateStore) -> None:
    crm = seeded_crm()
    clock = Clock(NOW + timedelta(minutes=1))
    run(crm, state_store, NOW, clock)
    before = crm.fields["L1"]
    clock.advance(timedelta(hours=1))
    crm.add_activity(activity(1, "L1", "trade_show_visit", NOW - timedelta(days=1)), clock.now)
    report = run(crm, state_store, NOW, clock)
    assert [item.lead.id for item in report.writes] == ["L1"]
    after = crm.fields["L1"]
    assert (after.score, after.reasons) == (before.score, before.reasons)
    (visit,) = [r for r in json.loads(after.breakdown or "")["rules"] if r["kind"] == "engagement"]
    assert [item["id"] for item in visit["evidence"]] == [
        "L1-trade_show_visit-1",
        "L1-trade_show_visit-0",
    ]


def test_a_cleared_breakdown_is_written_again(state_store: StateStore) -> None:
    crm = seeded_crm()
    clock = Clock(NOW + timedelta(minutes=1))
    run(crm, state_store, NOW, clock)
    shown = crm.fields["L2"]
    crm.fields["L2"] = replace(shown, breakdown=None, next_change_at=None)  # a rep cleared them
    clock.advance(timedelta(hours=1))
    crm.modified["L2"] = clock.now
    report = run(crm, state_store, NOW, clock)
    assert [item.lead.id for item in report.writes] == ["L2"]
    assert crm.fields["L2"].breakdown is not None
    assert crm.fields["L2"].next_change_at == shown.next_change_at


def test_without_the_fields_none_is_written_or_compared(state_store: StateStore) -> None:
    crm = seeded_crm()
    clock = Clock(NOW + timedelta(minutes=1))
    assert _run_without_fields(crm, state_store, clock).written == 7
    assert all(write.breakdown is None for write in crm.fields.values())
    clock.advance(timedelta(hours=1))
    crm.add_activity(activity(1, "L1", "trade_show_visit", NOW - timedelta(days=1)), clock.now)
    report = _run_without_fields(crm, state_store, clock)
    assert (report.selected, report.written) == (1, 0)  # same score, reasons: nothing to write


def _scored(current: CurrentResult | None, *, fields: ResultFields) -> tuple[Scored, bool]:
    lead = Lead("L1", {"industry": "自動車"})
    visit = activity(0, "L1", "trade_show_visit", NOW - timedelta(days=3, microseconds=250_000))
    result = Scorer(example_rules()).score(lead, [visit], NOW)
    text = breakdown_text(result, [visit], 65_536) if fields.breakdown_length else None
    item = Scored(replace(lead, current=current), result, text)
    return item, needs_write(item, fields)


def test_next_change_at_is_compared_to_the_second_as_crms_keep_it() -> None:
    fields = ResultFields(next_change_at=True)
    item, _ = _scored(None, fields=fields)
    result = item.result
    assert result.next_change_at is not None
    assert result.next_change_at.microsecond
    shown = CurrentResult(result.total, result.priority, result.reasons)
    kept = replace(shown, next_change_at=result.next_change_at.replace(microsecond=0))
    assert _scored(kept, fields=fields)[1] is False
    moved = replace(kept, next_change_at=kept.next_change_at + timedelta(seconds=1))  # type: ignore[operator]
    assert _scored(moved, fields=fields)[1] is True
    assert _scored(shown, fields=fields)[1] is True  # the CRM shows none: written
    assert _scored(shown, fields=BASIC_RESULT_FIELDS)[1] is False  # no such field: ignored


def test_a_breakdown_written_by_an_earlier_run_shows_the_result_unless_it_differs() -> None:
    fields = ResultFields(breakdown_length=65_536)
    item, _ = _scored(None, fields=fields)
    result, visit = item.result, activity(0, "L1", "trade_show_visit", NOW)

    def showing(text: str) -> CurrentResult:
        return CurrentResult(result.total, result.priority, result.reasons, breakdown_digest(text))

    earlier = (item.breakdown or "").replace(
        '"scored_at":"2026-11-20T09:00:00Z"', '"scored_at":"2026-11-19T09:00:00Z"'
    )
    assert earlier != item.breakdown
    assert _scored(showing(earlier), fields=fields)[1] is False
    other_evidence = breakdown_text(result, [visit], 65_536)  # the visit at another time
    assert _scored(showing(other_evidence), fields=fields)[1] is True
    assert _scored(showing(""), fields=fields)[1] is True
