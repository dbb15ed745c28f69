"""The source article's table: leads A, B and C, the 120 bar, and the 30-day window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.model import Activity
from tests.scoring_support import (
    NOW,
    abc_download,
    abc_view,
    evaluating,
    example_scorer,
    lead,
    visit,
)


def test_article_leads_a_b_c_score_70_100_150_and_only_c_is_high() -> None:
    scorer = example_scorer()
    lead_a = lead("A", "自動車", "営業部長")
    acts_a = [visit("A", 10), *(abc_view("A", day, 30, day) for day in (1, 2, 3))]
    lead_b = lead("B", "自動車", "課長")
    acts_b = [visit("B", 10), *(abc_view("B", day, 120, day) for day in (1, 2, 3))]
    lead_c = lead("C", "自動車", "営業本部長")
    acts_c = [visit("C", 20), abc_view("C", 1, 400), abc_download("C", 2), evaluating("C", 3)]

    results = {
        item.id: scorer.score(item, acts, NOW)
        for item, acts in ((lead_a, acts_a), (lead_b, acts_b), (lead_c, acts_c))
    }

    assert {key: r.total for key, r in results.items()} == {"A": 70, "B": 100, "C": 150}
    assert {key: r.priority for key, r in results.items()} == {"A": "中", "B": "中", "C": "高"}
    assert [key for key, r in results.items() if r.follow_up] == ["C"]


def test_reasons_name_each_rule_largest_first() -> None:
    result = example_scorer().score(
        lead("C", "自動車", "部長"), [visit("C", 1), evaluating("C", 2)], NOW
    )
    assert result.reasons == (
        "製品ABCアンケート「現在検討中」 +50、業種: 自動車 +20、役職: 部長以上 +10、展示会来場 +10"
    )
    assert [c.rule_id for c in result.contributions] == [
        "industry-automotive",
        "title-gm-or-above",
        "trade-show-visit",
        "abc-survey-evaluating",
    ]


@pytest.mark.parametrize(
    ("total_activities", "expected"),
    [
        # 20 + 10 + 40 + 50 = 120: exactly the bar is not "over 120".
        ([abc_view("X", 1, 300), evaluating("X", 1)], "中"),
        ([abc_view("X", 1, 300), evaluating("X", 1), visit("X", 1)], "高"),
    ],
)
def test_exactly_120_is_not_high_but_above_is(
    total_activities: list[Activity], expected: str
) -> None:
    result = example_scorer().score(lead("X", "自動車", "部長"), total_activities, NOW)
    assert result.priority == expected
    assert result.follow_up is (expected == "高")


@pytest.mark.parametrize(("days", "counts"), [(29, True), (29.999, True), (30, False), (31, False)])
def test_window_is_the_last_30_days(days: float, counts: bool) -> None:
    result = example_scorer().score(lead("W"), [visit("W", days)], NOW)
    assert result.total == (10 if counts else 0)


def test_activity_at_now_counts_and_one_in_the_future_does_not_yet() -> None:
    scorer = example_scorer()
    assert scorer.score(lead("N"), [visit("N", 0)], NOW).total == 10
    assert scorer.score(lead("N"), [visit("N", -1)], NOW).total == 0


def test_page_view_count_and_dwell_are_summed_within_the_window_only() -> None:
    views = [abc_view("D", 1, 100, 1), abc_view("D", 2, 100, 2), abc_view("D", 40, 200, 3)]
    result = example_scorer().score(lead("D"), views, NOW)
    assert result.total == 0  # two views and 200 s inside; the third is 40 days old
    views.append(abc_view("D", 3, 100, 4))
    result = example_scorer().score(lead("D"), views, NOW)
    assert result.total == 70  # three views (30) and 300 s (40)


@pytest.mark.parametrize(
    ("title", "points"),
    [
        ("部長", 10),
        ("営業本部長", 10),
        ("事業部長", 10),
        ("執行役員", 10),
        ("取締役 製造本部長", 10),
        ("代表取締役社長", 10),
        ("Director of Engineering", 10),
        ("VP Manufacturing", 10),
        ("ＣＥＯ", 10),
        ("課長", 0),
        ("係長", 0),
        ("主任", 0),
        ("部長代理", 0),
        ("副部長", 0),
        ("Coordinator", 0),
        ("", 0),
    ],
)
def test_title_rule_is_general_manager_or_above(title: str, points: int) -> None:
    assert example_scorer().score(lead("T", title=title), [], NOW).total == points


@pytest.mark.parametrize("industry", ["自動車", "自動車部品", "Automotive", "ＡＵＴＯＭＯＴＩＶＥ"])
def test_industry_matches_whatever_the_width_and_case(industry: str) -> None:
    assert example_scorer().score(lead("I", industry), [], NOW).total == 20


def test_next_change_is_when_the_visit_leaves_the_window() -> None:
    result = example_scorer().score(lead("V"), [visit("V", 25)], NOW)
    assert result.next_change_at == NOW + timedelta(days=5)
