"""Rule validation, rule kinds beyond the article's, and the pure-core boundary."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from connector.model import Activity, Lead
from connector.scoring import RuleSet, Scorer, reasons_text
from connector.scoring.result import Contribution
from tests.scoring_support import NOW, ROOT, abc_view, days_ago, example_rules, lead

BANDS = [{"label": "高", "above": 100, "follow_up": True}, {"label": "低"}]


def rules(**overrides: Any) -> RuleSet:
    """A small rule set with the given parts."""
    return RuleSet.model_validate({"bands": BANDS, **overrides})


def _fit(rule_id: str, points: int, field: str, **condition: Any) -> dict[str, Any]:
    return {"id": rule_id, "label": rule_id, "points": points, "field": field, **condition}


def _engagement(rule_id: str, points: int = 1, **options: Any) -> dict[str, Any]:
    return {"id": rule_id, "label": rule_id, "points": points, "activity": "page_view", **options}


def _band(label: str, above: int) -> dict[str, Any]:
    return {"label": label, "above": above}


def test_per_occurrence_points_are_capped() -> None:
    ruleset = rules(engagement=[_engagement("views", 5, per_occurrence=True, max_points=12)])
    scorer = Scorer(ruleset)
    assert scorer.score(lead("L"), [abc_view("L", 1, 10, 1)], NOW).total == 5
    views = [abc_view("L", day, 10, day) for day in range(1, 6)]
    assert scorer.score(lead("L"), views, NOW).total == 12


def test_negative_points_lower_the_score() -> None:
    ruleset = rules(
        fit=[_fit("student", -30, "title", contains="学生")],
        engagement=[_engagement("view", 10)],
    )
    result = Scorer(ruleset).score(lead("S", title="大学院生（学生）"), [abc_view("S", 1, 5)], NOW)
    assert result.total == -20
    assert (result.fit, result.engagement) == (-30, 10)


def test_a_summed_property_that_is_not_a_number_adds_nothing() -> None:
    # Durations arrive as floats or text; NaN, infinity or words must not stop the run.
    scorer = Scorer(
        rules(engagement=[_engagement("dwell", 40, sum="duration_seconds", at_least=300)])
    )
    for odd in (float("nan"), float("inf"), 1e308, "1e308", "不明", "－"):
        views = [abc_view("D", 1, 200, 1), abc_view("D", 2, odd, 2)]  # type: ignore[arg-type]
        assert scorer.score(lead("D"), views, NOW).total == 0
        views.append(abc_view("D", 3, "１００秒", 3))  # type: ignore[arg-type]
        assert scorer.score(lead("D"), views, NOW).total == 40


def test_numeric_range_reads_the_leading_number_of_full_width_text() -> None:
    scorer = Scorer(rules(fit=[_fit("size", 15, "employees", min=300)]))
    sized = {"１，２００名": 15, "300": 15, "299": 0, "不明": 0}
    for employees, points in sized.items():
        assert scorer.score(Lead("L", {"employees": employees}), [], NOW).total == points


def test_filters_on_activity_properties_all_must_hold() -> None:
    where = {"campaign": {"equals": "product-abc"}, "channel": {"in": ["email"]}}
    scorer = Scorer(rules(engagement=[_engagement("dl", 20, activity="download", where=where)]))
    web = {"campaign": "product-abc", "channel": "web"}
    upper_case_mail = {"campaign": "PRODUCT-ABC", "channel": "email"}
    assert (
        scorer.score(lead("L"), [Activity("1", "L", "download", days_ago(1), web)], NOW).total == 0
    )
    mail = Activity("2", "L", "download", days_ago(1), upper_case_mail)
    assert scorer.score(lead("L"), [mail], NOW).total == 20


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bands": [{"label": "高", "above": 1}]}, "last band"),
        ({"bands": [_band("a", 1), _band("b", 5), {"label": "c"}]}, "highest"),
        ({"fit": [_fit("x", 1, "f", equals="a")] * 2}, "repeated: x"),
        ({"fit": [_fit("x", 1, "f")]}, "at least one of"),
        ({"fit": [_fit("x", 1, "f", regex="(")]}, "regular"),
        ({"engagement": [_engagement("e", per_occurrence=True)]}, "max_points"),
        ({"engagement": [_engagement("e", sum="s", per_occurrence=True, max_points=3)]}, "sum"),
    ],
)
def test_invalid_rules_say_what_is_wrong(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        rules(**overrides)


def test_rule_set_hash_changes_with_the_rules_only() -> None:
    base = example_rules()
    assert base.content_hash() == example_rules().content_hash()
    changed = base.model_copy(update={"window_days": 31})
    assert changed.content_hash() != base.content_hash()


def test_reasons_are_cut_to_the_limit_with_a_count_of_the_rest() -> None:
    contributions = [Contribution(f"r{i}", f"理由{i}" * 5, 10 - i, "fit") for i in range(10)]
    text = reasons_text(contributions, "ja", max_length=60)
    assert len(text) <= 60
    assert text.endswith("件")
    assert text.startswith("理由0理由0")
    assert reasons_text(contributions[:1], "en", 255) == "理由0理由0理由0理由0理由0 +10"


FORBIDDEN_IMPORTS = ("httpx", "requests", "adapters", "sqlalchemy", "simple_salesforce", "hubspot")
IO_MODULES = ("connector.sync", "connector.config", "connector.cli", "connector.compose")
FORBIDDEN_CALLS = {"now", "today", "utcnow", "time", "open", "monotonic"}


def _scoring_sources() -> list[Path]:
    return sorted((ROOT / "connector" / "scoring").glob("*.py"))


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return []


def _called_name(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


@pytest.mark.parametrize("path", _scoring_sources(), ids=lambda path: path.name)
def test_scoring_imports_no_io_and_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        for module in _imported_modules(node):
            assert not module.startswith(FORBIDDEN_IMPORTS), f"{path.name} imports {module}"
            assert not module.startswith(IO_MODULES), f"{path.name} imports {module}"
        assert _called_name(node) not in FORBIDDEN_CALLS, f"{path.name} calls {_called_name(node)}"


def test_a_naive_now_is_refused_rather_than_read_as_the_machines_local_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Scorer(rules()).score(lead("L"), [], NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("pattern", "value", "fires"),
    [
        (r"^\S+$", "ABC", True),  # lower-casing the pattern made \S into \s
        (r"^\S+$", "A B", False),
        (r"\D", "123", False),
        (r"\D", "12a", True),
        (r"\Bgm\B", "a GMb", False),  # \B became \b
        (r"\AVP", "VP of sales", True),  # \A became a control character
        (r"engineer\Z", "Chief Engineer", True),  # \Z passed validation, then exited 70
        (r"\N{LATIN SMALL LETTER A}", "A", True),  # \N{...} broke
        (r"DIRECTOR", "director", True),  # case is ignored through the flag
        ("部長", "営業部長", True),
        ("ＡＢＣ", "abc", True),  # 全角 in the pattern, 半角 in the value
        ("abc", "ＡＢＣ", True),
    ],
)
def test_a_regex_rule_means_what_it_says_ignoring_case_and_width(
    pattern: str, value: str, fires: bool
) -> None:
    scorer = Scorer(rules(fit=[_fit("r", 10, "title", regex=pattern)]))
    assert scorer.score(lead("L", title=value), [], NOW).total == (10 if fires else 0)


NEW_YORK = ZoneInfo("America/New_York")


def test_thirty_days_are_calendar_days_across_the_end_of_summer_time() -> None:
    # 11-20 18:00 in New York; summer time ended on 11-01, so 30 days back is 721 hours.
    now = datetime(2026, 11, 20, 18, 0, tzinfo=NEW_YORK)
    visit = Activity("V", "L", "trade_show_visit", datetime(2026, 10, 21, 18, 30, tzinfo=NEW_YORK))
    ruleset = rules(engagement=[_engagement("visit", 10, activity="trade_show_visit")])
    result = Scorer(ruleset, NEW_YORK).score(lead("L"), [visit], now)
    assert result.total == 10  # inside: the window starts at 10-21 18:00 local
    assert result.next_change_at == datetime(2026, 11, 20, 18, 30, tzinfo=NEW_YORK)
    assert Scorer(ruleset, NEW_YORK).score(lead("L"), [visit], now.replace(minute=31)).total == 0


def test_in_a_zone_without_summer_time_a_window_is_exactly_thirty_days() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 11, 20, 18, 0, tzinfo=tokyo)
    visit = Activity("V", "L", "trade_show_visit", now - timedelta(days=30, seconds=-1))
    ruleset = rules(engagement=[_engagement("visit", 10, activity="trade_show_visit")])
    result = Scorer(ruleset, tokyo).score(lead("L"), [visit], now)
    assert result.total == 10
    assert result.next_change_at == now + timedelta(seconds=1)
    assert ruleset.window_start(now, tokyo) == now - timedelta(days=30)
