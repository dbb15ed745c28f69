"""Score one lead: fit rules on attributes, engagement rules on activities in the window."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from operator import attrgetter, itemgetter

from connector.model import Activity, Lead
from connector.scoring.conditions import compile_condition
from connector.scoring.engagement import engagement_for
from connector.scoring.matching import MEMO_LIMIT, build_matchers, build_routes, match_all
from connector.scoring.result import Contribution, ScoreResult, reasons_text
from connector.scoring.rules import Band, FitRule, RuleSet
from connector.scoring.window import Window


class _Fit:
    """One fit rule, remembering its contribution per attribute value (values repeat a lot)."""

    __slots__ = ("_field", "_holds", "_rule", "_seen")

    def __init__(self, rule: FitRule) -> None:
        self._rule = rule
        self._field = rule.field
        self._holds = compile_condition(rule)
        self._seen: dict[str, Contribution | None] = {}

    def contribution(self, lead: Lead) -> Contribution | None:
        """The rule's contribution for the lead's attribute (None when it does not hold)."""
        value = lead.attributes.get(self._field)
        if value is None:
            return None
        seen = self._seen
        return seen[value] if value in seen else self._remember(value)

    def _remember(self, value: str) -> Contribution | None:
        seen = self._seen
        if len(seen) >= MEMO_LIMIT:
            seen.clear()
        rule = self._rule
        found = seen[value] = (
            Contribution(rule.id, rule.label, rule.points, "fit", None, (value,))
            if self._holds(value)
            else None
        )
        return found


class Scorer:
    """Scores leads under one rule set; build it once, call `score` per lead."""

    def __init__(self, rules: RuleSet, zone: tzinfo = UTC) -> None:
        """`zone` is where "N days" are counted in calendar days (see `scoring.window`)."""
        self.rules = rules
        self.ruleset_hash = rules.content_hash()
        self._fit = tuple(_Fit(rule) for rule in rules.fit)
        self._reasons: dict[tuple[tuple[str, int], ...], str] = {}
        self._band_of: dict[int, Band] = {}
        matchers, rule_matcher = build_matchers(rules.engagement)
        self._matcher_count = len(matchers)
        self._routes = build_routes(matchers)
        default = rules.window_days
        windows = [Window(rule.window_days or default, zone) for rule in rules.engagement]
        longest = max(windows, key=_DAYS, default=Window(rules.window_days, zone))
        self._longest_window = longest
        self._engagement = tuple(
            engagement_for(rule, matcher, window, longest)
            for rule, matcher, window in zip(rules.engagement, rule_matcher, windows, strict=True)
        )

    def score(self, lead: Lead, activities: Iterable[Activity], now: datetime) -> ScoreResult:
        """The lead's score as of `now` (timezone-aware) from its activities."""
        if now.tzinfo is None:
            raise ValueError("score needs a timezone-aware `now`; activities are in UTC")
        # Activities are in UTC; comparing them with a `now` in another zone is 20x slower.
        now = now.astimezone(UTC)
        contributions = []
        fit_points = 0
        for fit in self._fit:
            contribution = fit.contribution(lead)
            if contribution is not None:
                contributions.append(contribution)
                fit_points += contribution.points
        total = fit_points
        longest = self._longest_window
        start = longest.start(now)
        matched = match_all(activities, self._routes, self._matcher_count, start, now)
        next_change: datetime | None = None
        for engagement in self._engagement:
            found = matched[engagement.matcher]
            if found is None:
                continue
            contribution, change_at = engagement.evaluate(found, now)
            if contribution is not None:
                contributions.append(contribution)
                total += contribution.points
            if change_at is not None and (next_change is None or change_at < next_change):
                next_change = change_at
        band = self._band_of.get(total) or self._band_for(total)
        # Positional: keywords cost as much as the rest of a lead without activities.
        return ScoreResult(
            lead.id,
            total,
            fit_points,
            total - fit_points,
            band.label,
            band.follow_up,
            tuple(contributions),
            self._reasons_text(contributions),
            self.ruleset_hash,
            now,
            next_change,
        )

    def _band_for(self, total: int) -> Band:
        # Totals are sums of a few rules' points: few distinct values, so no bound is needed.
        band = self._band_of[total] = band_for(self.rules.bands, total)
        return band

    def _reasons_text(self, contributions: list[Contribution]) -> str:
        # Leads share a few combinations of (label, points): write each text once.
        key = tuple(map(_LABEL_POINTS, contributions))
        text = self._reasons.get(key)
        if text is None:
            if len(self._reasons) >= MEMO_LIMIT:
                self._reasons.clear()
            rules = self.rules
            text = reasons_text(contributions, rules.language, rules.reasons_max_length)
            self._reasons[key] = text
        return text


def band_for(bands: Sequence[Band], total: int) -> Band:
    """The first band whose threshold the total is strictly above (the last band otherwise)."""
    for band in bands:
        if band.above is None or total > band.above:
            return band
    return bands[-1]


_LABEL_POINTS = itemgetter(1, 2)
_DAYS = attrgetter("days")
