"""A typo in a rule stops the run naming the rule, the key and the near match; never silence."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.cli import main
from connector.model import Activity, Lead
from connector.ports import Vocabulary
from connector.scoring import RuleSet
from connector.state import StateStore
from connector.sync.vocabulary import NameWatch, unknown_names
from tests.cli_support import AS_OF
from tests.scoring_support import NOW, example_rules
from tests.sync_support import run, seeded_crm

BANDS = [{"label": "高", "above": 100, "follow_up": True}, {"label": "低"}]
MAPPED = Vocabulary(
    attributes=frozenset({"industry", "title", "company"}),
    kinds={"meeting": frozenset({"outcome"})},
)


def _rules(**parts: Any) -> RuleSet:
    return RuleSet.model_validate({"bands": BANDS, **parts})


def _engagement(**options: Any) -> dict[str, Any]:
    return {"id": "e", "label": "e", "points": 10, "activity": "page_view", **options}


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            {"fit": [{"id": "f", "label": "f", "points": 1, "field": "industy", "equals": "x"}]},
            "scoring.fit 'f': field = 'industy' is not a mapped attribute; "
            "did you mean 'industry'?",
        ),
        (
            {"engagement": [_engagement(activity="trade_show_vist")]},
            "activity = 'trade_show_vist' is not an activity kind; "
            "did you mean 'trade_show_visit'?",
        ),
        (
            {"engagement": [_engagement(where={"pgae": {"contains": "/abc"}})]},
            "where.pgae = 'pgae' is not a property of page_view activities; did you mean 'page'?",
        ),
        (
            {"engagement": [_engagement(sum="duration_second", at_least=300)]},
            "sum = 'duration_second' is not a property of page_view activities; "
            "did you mean 'duration_seconds'?",
        ),
    ],
)
def test_a_typo_is_named_with_its_rule_key_and_near_match(
    parts: dict[str, Any], expected: str
) -> None:
    [problem] = unknown_names(_rules(**parts), MAPPED)
    assert expected in problem


def test_names_the_mapping_adds_are_known() -> None:
    rule = _engagement(activity="meeting", where={"outcome": {"equals": "held"}})
    assert unknown_names(_rules(engagement=[rule]), MAPPED) == []


def test_any_attribute_is_known_when_the_mapping_does_not_list_them() -> None:
    fit = [{"id": "f", "label": "f", "points": 1, "field": "anything", "equals": "x"}]
    assert unknown_names(_rules(fit=fit), Vocabulary(attributes=None)) == []


def test_the_example_rules_fit_the_example_mapping() -> None:
    assert unknown_names(example_rules(), Vocabulary(attributes=None)) == []


def test_a_field_or_property_no_row_had_is_warned_about_once() -> None:
    watch = NameWatch(example_rules())
    watch.see_leads([Lead("L1", {"industry": "自動車"})])
    watch.see(Activity("A1", "L1", "page_view", NOW, {"page": "/products/abc"}))
    warnings = watch.unseen()
    assert "rule 'title-gm-or-above': no lead has a value for field 'title'" in warnings
    assert any("no page_view activity has the property 'duration_seconds'" in w for w in warnings)
    assert not any("'industry'" in warning for warning in warnings)
    assert not any("property 'page'" in warning for warning in warnings)


def test_a_full_run_reports_rules_no_row_could_satisfy(state_store: StateStore) -> None:
    crm = seeded_crm()
    for lead in list(crm.leads.values()):
        attributes = {k: v for k, v in lead.attributes.items() if k != "title"}
        crm.add_lead(Lead(lead.id, attributes, owner=lead.owner), NOW - timedelta(days=1))
    report = run(crm, state_store, NOW)
    assert any("field 'title'" in warning for warning in report.warnings)


def test_a_typo_in_the_config_stops_sync_with_exit_2(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = config.read_text(encoding="utf-8").replace(
        'activity = "trade_show_visit"', 'activity = "trade_show_vist"', 1
    )
    config.write_text(text, encoding="utf-8")
    assert main(["sync", "--config", str(config), "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "trade_show_vist" in err
    assert "did you mean 'trade_show_visit'" in err
    assert not (config.parent / "out").exists()


def test_check_lists_a_rule_typo_as_something_to_fix(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = config.read_text(encoding="utf-8").replace('field = "title"', 'field = "titel"', 1)
    config.write_text(text, encoding="utf-8")
    assert main(["check", "--config", str(config), "--json"]) == 1
    items = {item["subject"]: item for item in json.loads(capsys.readouterr().out)["items"]}
    assert items["scoring rules"]["ok"] is False
    assert "did you mean 'title'" in items["scoring rules"]["detail"]
