"""The breakdown JSON (docs/breakdown.md, v1): its shape, and its bound at every field length."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.model import Activity, Lead, breakdown_digest
from connector.scoring import Contribution, Scorer, ScoreResult
from connector.sync.breakdown import breakdown_text
from tests.scoring_support import NOW, example_rules

HUBSPOT, SALESFORCE = 65_536, 32_768


def _result(contributions: list[Contribution], **changes: Any) -> ScoreResult:
    fit = sum(c.points for c in contributions if c.dimension == "fit")
    total = sum(c.points for c in contributions)
    values: dict[str, Any] = {
        "lead_id": "L1", "total": total, "fit": fit, "engagement": total - fit,
        "priority": "高", "follow_up": True, "contributions": tuple(contributions),
        "reasons": "", "ruleset_hash": "f" * 64, "scored_at": NOW, "next_change_at": None,
    }  # fmt: skip
    return ScoreResult(**(values | changes))


def _engagement(rule: int, points: int, ids: list[str]) -> Contribution:
    until = NOW + timedelta(days=rule + 1)
    return Contribution(
        f"rule-{rule}", f"ルール{rule}", points, "engagement", float(len(ids)), tuple(ids), until
    )


def test_the_example_lead_reads_as_the_pinned_schema() -> None:
    lead = Lead("C", {"industry": "自動車部品製造", "title": "部長"})
    visit = Activity("A-1001", "C", "trade_show_visit", datetime(2026, 11, 3, 1, 30, tzinfo=UTC))
    result = Scorer(example_rules()).score(lead, [visit], NOW)
    text = breakdown_text(result, [visit], HUBSPOT)
    assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    document = json.loads(text)
    assert document["v"] == 1
    assert (document["score"], document["band"]) == (result.total, result.priority)
    assert (document["fit"], document["engagement"]) == (result.fit, result.engagement)
    assert document["rules_hash"] == result.ruleset_hash
    assert document["scored_at"] == "2026-11-20T09:00:00Z"
    assert (document["rules_more"], document["truncated"]) == (0, False)
    points = [rule["points"] for rule in document["rules"]]
    assert points == sorted(points, key=abs, reverse=True)
    visit_rule = next(rule for rule in document["rules"] if rule["kind"] == "engagement")
    assert visit_rule["evidence"] == [{"id": "A-1001", "at": "2026-11-03T01:30:00Z"}]
    assert visit_rule["measure"] == 1
    assert visit_rule["evidence_more"] == 0
    assert visit_rule["until"] == document["next_change_at"] is not None
    fit_rule = next(rule for rule in document["rules"] if rule["kind"] == "fit")
    assert fit_rule["value"] in {"自動車部品製造", "部長"}


def test_evidence_is_newest_first() -> None:
    older = Activity("old", "L1", "page_view", NOW - timedelta(days=3))
    newer = Activity("new", "L1", "page_view", NOW - timedelta(days=1))
    result = _result([_engagement(0, 10, ["old", "new"])])
    (rule,) = json.loads(breakdown_text(result, [older, newer], HUBSPOT))["rules"]
    assert [item["id"] for item in rule["evidence"]] == ["new", "old"]


def test_the_digest_ignores_scored_at_and_nothing_else() -> None:
    result = _result([_engagement(0, 10, ["a"])])
    later = result._replace(scored_at=NOW + timedelta(hours=1))
    text, again = breakdown_text(result, [], HUBSPOT), breakdown_text(later, [], HUBSPOT)
    assert text != again
    assert breakdown_digest(text) == breakdown_digest(again)
    moved = result._replace(next_change_at=NOW + timedelta(days=2))
    assert breakdown_digest(breakdown_text(moved, [], HUBSPOT)) != breakdown_digest(text)


def _many(rules: int, evidence: int) -> tuple[ScoreResult, list[Activity]]:
    activities = [
        Activity(f"activity-{rule}-{n}", "L1", "page_view", NOW - timedelta(minutes=n * 7 + rule))
        for rule in range(rules)
        for n in range(evidence)
    ]
    contributions = [
        _engagement(rule, 100 - rule, [a.id for a in activities if f"-{rule}-" in a.id])
        for rule in range(rules)
    ]
    return _result(contributions), activities


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_at_the_hubspot_limit_old_evidence_goes_first_and_every_rule_stays() -> None:
    result, activities = _many(rules=12, evidence=400)
    text = breakdown_text(result, activities, HUBSPOT)
    assert HUBSPOT - 200 < _units(text) <= HUBSPOT
    document = json.loads(text)
    assert document["truncated"] is True
    assert document["rules_more"] == 0
    assert len(document["rules"]) == 12
    kept = [item["at"] for rule in document["rules"] for item in rule["evidence"]]
    dropped = {a.occurred_at for a in activities} - {datetime.fromisoformat(at) for at in kept}
    assert max(dropped) <= min(datetime.fromisoformat(at) for at in kept)
    assert sum(rule["evidence_more"] for rule in document["rules"]) == 4800 - len(kept)


def test_at_the_salesforce_limit_the_same_lead_keeps_less() -> None:
    result, activities = _many(rules=12, evidence=400)
    text = breakdown_text(result, activities, SALESFORCE)
    assert SALESFORCE - 200 < _units(text) <= SALESFORCE
    kept = sum(len(rule["evidence"]) for rule in json.loads(text)["rules"])
    wider = json.loads(breakdown_text(result, activities, HUBSPOT))["rules"]
    assert kept < sum(len(rule["evidence"]) for rule in wider)


def test_a_tiny_field_keeps_the_largest_rules_and_counts_the_rest() -> None:
    result, activities = _many(rules=30, evidence=3)
    document = json.loads(breakdown_text(result, activities, 1_000))
    assert document["truncated"] is True
    assert all(rule["evidence"] == [] for rule in document["rules"])
    assert [rule["id"] for rule in document["rules"]] == [
        f"rule-{n}" for n in range(len(document["rules"]))
    ]
    assert len(document["rules"]) + document["rules_more"] == 30
    assert document["rules_more"] > 0


def test_a_field_too_short_for_any_breakdown_gets_none() -> None:
    result, activities = _many(rules=2, evidence=2)
    assert breakdown_text(result, activities, 100) == ""


_labels = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@st.composite
def _results(draw: st.DrawFn) -> tuple[ScoreResult, list[Activity]]:
    activities: list[Activity] = []
    contributions = []
    for rule in range(draw(st.integers(0, 25))):
        points = draw(st.integers(-200, 200))
        label = draw(_labels)
        if draw(st.booleans()):
            value = draw(_labels)
            contributions.append(Contribution(f"f{rule}", label, points, "fit", None, (value,)))
            continue
        ids = []
        for n in range(draw(st.integers(0, 30))):
            at = NOW - timedelta(seconds=draw(st.integers(0, 90 * 86_400)))
            activities.append(Activity(f"e{rule}-{n}-{draw(_labels)}", "L1", "page_view", at))
            ids.append(activities[-1].id)
        measure = draw(st.one_of(st.none(), st.floats(allow_nan=True)))
        contributions.append(
            Contribution(f"e{rule}", label, points, "engagement", measure, tuple(ids))
        )
    return _result(contributions, priority=draw(_labels)), activities


@settings(max_examples=150, deadline=None)
@given(_results(), st.sampled_from([HUBSPOT, SALESFORCE, 2_000, 600, 300]))
def test_any_result_gives_valid_json_within_the_limit_keeping_the_largest_rules(
    case: tuple[ScoreResult, list[Activity]], limit: int
) -> None:
    result, activities = case
    text = breakdown_text(result, activities, limit)
    assert _units(text) <= limit
    if not text:
        return
    document = json.loads(text)
    assert document["v"] == 1
    ordered = sorted(result.contributions, key=lambda c: -abs(c.points))
    kept = [rule["id"] for rule in document["rules"]]
    assert kept == [c.rule_id for c in ordered[: len(kept)]]  # a prefix: the largest stay
    assert len(kept) + document["rules_more"] == len(ordered)
    for rule, contribution in zip(document["rules"], ordered, strict=False):
        if rule["kind"] == "engagement":
            assert len(rule["evidence"]) + rule["evidence_more"] == len(contribution.evidence)
    assert document["truncated"] == (text != breakdown_text(result, activities, 10**9))
