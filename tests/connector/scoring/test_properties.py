"""Properties of scoring that must hold for any activities (hypothesis)."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.model import Activity
from connector.scoring import Condition, EngagementRule, RuleSet, Scorer
from connector.scoring.engagement import Engagement, engagement_for
from connector.scoring.matching import build_matchers, build_routes, match_all
from connector.scoring.window import Window
from tests.scoring_support import NOW, example_rules, example_scorer, lead

SCORER = example_scorer()
LEAD = lead("P", "自動車", "部長")
#: Rules the article's table lacks: a shorter window, points per occurrence with a cap, a sum
#: with a fractional threshold, and negative points.
MIXED = Scorer(
    RuleSet.model_validate(
        {
            "bands": [{"label": "高", "above": 50, "follow_up": True}, {"label": "低"}],
            "engagement": [
                {
                    "id": "week",
                    "label": "w",
                    "points": 7,
                    "activity": "page_view",
                    "per_occurrence": True,
                    "max_points": 20,
                    "window_days": 7,
                },
                {
                    "id": "dwell",
                    "label": "d",
                    "points": 15,
                    "activity": "page_view",
                    "sum": "duration_seconds",
                    "at_least": 250.5,
                    "window_days": 10,
                },
                {
                    "id": "no",
                    "label": "n",
                    "points": -25,
                    "activity": "form_submit",
                    "where": {"answer": {"equals": "情報収集中"}},
                },
                {"id": "twice", "label": "t", "points": 5, "activity": "download", "at_least": 2},
            ],
        }
    )
)

_pages = st.sampled_from(["/products/abc", "/products/abc/spec", "/products/xyz", "/company"])
_kinds = st.sampled_from(["trade_show_visit", "page_view", "download", "form_submit"])
_answers = st.sampled_from(["現在検討中", "情報収集中"])
_offsets = st.integers(min_value=-10 * 24 * 60, max_value=45 * 24 * 60)  # minutes before NOW


@st.composite
def activities(draw: st.DrawFn) -> list[Activity]:
    """Activities of one lead, from 45 days back to 10 days ahead of NOW."""
    count = draw(st.integers(min_value=0, max_value=12))
    return [draw(_activity(number)) for number in range(count)]


@st.composite
def _activity(draw: st.DrawFn, number: int) -> Activity:
    kind = draw(_kinds)
    at = NOW - timedelta(minutes=draw(_offsets))
    properties: dict[str, str | float] = {}
    if kind == "page_view":
        seconds = float(draw(st.integers(min_value=0, max_value=400)))
        properties = {"page": draw(_pages), "duration_seconds": seconds}
    elif kind == "download":
        properties = {"campaign": "product-abc", "channel": draw(st.sampled_from(["email", "web"]))}
    elif kind == "form_submit":
        properties = {"answer": draw(_answers)}
    return Activity(f"a{number}", "P", kind, at, properties)


def _contributions(scorer: Scorer, acts: list[Activity], at_minutes: float) -> object:
    result = scorer.score(LEAD, acts, NOW + timedelta(minutes=at_minutes))
    return [(c.rule_id, c.points) for c in result.contributions]


@given(activities(), st.randoms(use_true_random=False))
def test_order_of_activities_does_not_matter(acts: list[Activity], rng: random.Random) -> None:
    shuffled = list(acts)
    rng.shuffle(shuffled)
    first, second = SCORER.score(LEAD, acts, NOW), SCORER.score(LEAD, shuffled, NOW)
    assert (first.total, first.reasons, first.next_change_at) == (
        second.total,
        second.reasons,
        second.next_change_at,
    )


@given(activities(), _activity(99))
def test_adding_an_activity_never_lowers_the_score(acts: list[Activity], extra: Activity) -> None:
    # Every rule of the example table gives positive points on a measure that only grows.
    before = SCORER.score(LEAD, acts, NOW).total
    after = SCORER.score(LEAD, [*acts, extra], NOW).total
    assert after >= before


@settings(max_examples=150)
@given(
    st.sampled_from([SCORER, MIXED]),
    activities(),
    st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=5),
)
def test_next_change_at_is_exactly_when_the_score_next_changes(
    scorer: Scorer, acts: list[Activity], fractions: list[float]
) -> None:
    result = scorer.score(LEAD, acts, NOW)
    now_contributions = _contributions(scorer, acts, 0)
    horizon = 60 * 24 * 60  # every activity has left or entered the window 60 days on
    change = result.next_change_at
    until = horizon if change is None else (change - NOW) / timedelta(minutes=1)
    for fraction in fractions:
        # Any instant strictly before the announced change scores the same as now.
        assert _contributions(scorer, acts, until * fraction * 0.999999) == now_contributions
    if change is not None:
        assert change > NOW
        assert _contributions(scorer, acts, until) != now_contributions


_industries = st.sampled_from(["自動車", "ＡＵＴＯＭＯＴＩＶＥ", "化学", "", "自動車部品"])
_titles = st.sampled_from(["部長", "部長代理", "Director", "課長", "執行役員", ""])


@settings(max_examples=60)
@given(
    st.sampled_from([example_rules(), MIXED.rules]),
    st.lists(st.tuples(_industries, _titles, activities()), min_size=1, max_size=6),
    st.sampled_from([2, 65_536]),
)
def test_a_scorer_that_scored_other_leads_scores_like_a_fresh_one(
    rules: RuleSet, batch: list[tuple[str, str, list[Activity]]], memo_limit: int
) -> None:
    # The scorer remembers verdicts and texts per value across leads; that must never leak
    # one lead's result into another's, also when the memos overflow and start over.
    with (
        patch("connector.scoring.matching.MEMO_LIMIT", memo_limit),
        patch("connector.scoring.engine.MEMO_LIMIT", memo_limit),
    ):
        shared = Scorer(rules)
        for number, (industry, title, acts) in enumerate(batch):
            one = lead(f"P{number}", industry, title)
            assert shared.score(one, acts, NOW) == Scorer(rules).score(one, acts, NOW)


@st.composite
def _engagement_rules(draw: st.DrawFn) -> EngagementRule:
    summing = draw(st.booleans())
    thresholds = [250.5, 300.0, 600.0] if summing else [0.5, 1.0, 2.0, 2.5, 3.0]
    return EngagementRule(
        id="r",
        label="r",
        points=draw(st.sampled_from([-25, 10, 40])),
        activity="page_view",
        where={"page": Condition(contains="/products/abc")},
        sum="duration_seconds" if summing else None,
        at_least=draw(st.sampled_from(thresholds)),
        window_days=draw(st.sampled_from([None, 7, 30])),
    )


@st.composite
def _coarse_page_views(draw: st.DrawFn) -> list[Activity]:
    # Whole days and round durations, so that activities share instants and sums land
    # exactly on thresholds: the edges where a shortcut would go wrong. A negative duration
    # sends the summing rule down the general path, which must then still agree.
    count = draw(st.integers(min_value=0, max_value=10))
    return [
        Activity(
            f"v{number}",
            "P",
            "page_view",
            NOW - timedelta(days=draw(st.integers(min_value=-3, max_value=35))),
            {
                "page": draw(_pages),
                "duration_seconds": draw(st.sampled_from([0.0, 50.0, 150.0, 300.0, 250.5, -100.0])),
            },
        )
        for number in range(count)
    ]


@settings(max_examples=300)
@given(_engagement_rules(), _coarse_page_views())
def test_fast_rule_paths_agree_with_the_general_one(
    rule: EngagementRule, acts: list[Activity]
) -> None:
    # Counting and summing rules take shortcuts; the general evaluation is the reference.
    longest = Window(30)
    window = Window(rule.window_days or 30)
    matchers, _ = build_matchers([rule])
    (found,) = match_all(acts, build_routes(matchers), 1, longest.start(NOW), NOW)
    if found is not None:
        fast = engagement_for(rule, 0, window, longest)
        general = Engagement(rule, 0, window, longest)
        assert type(fast) is not Engagement
        assert fast.evaluate(found, NOW) == general.evaluate(found, NOW)


_REGEX_PIECES = [
    "a", "B", "z", "1", " ", ".", r"\s", r"\S", r"\d", r"\D", r"\w", r"\W", r"\b", r"\B",
    r"\A", r"\Z", "^", "$", "[a-c]", "[^X]", "(a|Y)", "*", "+", "?", "{2}",
]  # fmt: skip


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.lists(st.sampled_from(_REGEX_PIECES), min_size=1, max_size=6)
    .map("".join)
    .filter(_compiles),
    value=st.text(alphabet="aAbBzZ1 9\tX-y", max_size=12),
)
def test_a_regex_rule_agrees_with_re_search_ignoring_case(pattern: str, value: str) -> None:
    rule = {"id": "r", "label": "r", "points": 1, "field": "title", "regex": pattern}
    ruleset = RuleSet.model_validate({"bands": [{"label": "x"}], "fit": [rule]})
    total = Scorer(ruleset).score(lead("L", "自動車", value), [], NOW).total
    assert total == (1 if re.search(pattern, value, re.IGNORECASE) else 0)
