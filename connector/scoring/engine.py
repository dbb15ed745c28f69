"""Score one lead: fit rules on attributes, engagement rules on activities in the window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.model import Activity, Lead
from connector.scoring.conditions import Predicate, compile_condition
from connector.scoring.result import Contribution, ScoreResult, reasons_text
from connector.scoring.rules import Band, EngagementRule, FitRule, RuleSet
from connector.scoring.text import parse_number
from connector.scoring.window import Occurrence, WindowTally, next_points_change


@dataclass(frozen=True, slots=True)
class _Fit:
    rule: FitRule
    holds: Predicate

    def contribution(self, lead: Lead) -> Contribution | None:
        value = lead.attributes.get(self.rule.field)
        if value is None or not self.holds(value):
            return None
        return Contribution(self.rule.id, self.rule.label, self.rule.points, "fit", None, (value,))


@dataclass(frozen=True, slots=True)
class _Engagement:
    rule: EngagementRule
    filters: tuple[tuple[str, Predicate], ...]
    window: timedelta

    def matches(self, activity: Activity) -> bool:
        properties = activity.properties
        return all(holds(properties.get(name)) for name, holds in self.filters)

    def occurrence(self, activity: Activity) -> Occurrence:
        # Sums are kept in thousandths as integers so that sliding the window never drifts.
        weight = 0
        if self.rule.sum is not None:
            number = parse_number(activity.properties.get(self.rule.sum))
            weight = round(number * 1000) if number is not None else 0
        return Occurrence(activity.occurred_at, weight, activity.id)

    def points(self, tally: WindowTally) -> int:
        rule = self.rule
        measure = tally.weight / 1000 if rule.sum is not None else tally.count
        if tally.count == 0 or measure < rule.at_least:
            return 0
        if not rule.per_occurrence:
            return rule.points
        cap = rule.max_points or 0
        magnitude = min(abs(rule.points) * tally.count, cap)
        return magnitude if rule.points > 0 else -magnitude

    def measure(self, tally: WindowTally) -> float:
        return tally.weight / 1000 if self.rule.sum is not None else float(tally.count)


class Scorer:
    """Scores leads under one rule set; build it once, call `score` per lead."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.ruleset_hash = rules.content_hash()
        self._fit = tuple(_Fit(rule, compile_condition(rule)) for rule in rules.fit)
        self._by_kind: dict[str, list[_Engagement]] = defaultdict(list)
        self._engagement: list[_Engagement] = []
        for rule in rules.engagement:
            compiled = _compile_engagement(rule, rules.window_days)
            self._engagement.append(compiled)
            for kind in rule.kinds():
                self._by_kind[kind].append(compiled)

    def score(self, lead: Lead, activities: Iterable[Activity], now: datetime) -> ScoreResult:
        """The lead's score as of `now` (timezone-aware) from its activities."""
        contributions = [c for fit in self._fit if (c := fit.contribution(lead)) is not None]
        next_change: datetime | None = None
        for compiled, occurrences in self._matching(activities):
            occurrences.sort(key=lambda item: item.at)
            contribution, change_at = _evaluate(compiled, occurrences, now)
            if contribution is not None:
                contributions.append(contribution)
            if change_at is not None and (next_change is None or change_at < next_change):
                next_change = change_at
        return self._result(lead.id, contributions, now, next_change)

    def _matching(
        self, activities: Iterable[Activity]
    ) -> list[tuple[_Engagement, list[Occurrence]]]:
        matched: dict[int, list[Occurrence]] = {}
        by_kind = self._by_kind
        for activity in activities:
            for compiled in by_kind.get(activity.kind, ()):
                if compiled.matches(activity):
                    matched.setdefault(id(compiled), []).append(compiled.occurrence(activity))
        # Config order, so that contributions and reasons read the same way every time.
        return [(c, matched[id(c)]) for c in self._engagement if id(c) in matched]

    def _result(
        self,
        lead_id: str,
        contributions: list[Contribution],
        now: datetime,
        next_change: datetime | None,
    ) -> ScoreResult:
        fit = sum(c.points for c in contributions if c.dimension == "fit")
        engagement = sum(c.points for c in contributions if c.dimension == "engagement")
        total = fit + engagement
        band = band_for(self.rules.bands, total)
        rules = self.rules
        return ScoreResult(
            lead_id=lead_id,
            total=total,
            fit=fit,
            engagement=engagement,
            priority=band.label,
            follow_up=band.follow_up,
            contributions=tuple(contributions),
            reasons=reasons_text(contributions, rules.language, rules.reasons_max_length),
            ruleset_hash=self.ruleset_hash,
            scored_at=now,
            next_change_at=next_change,
        )


def band_for(bands: Sequence[Band], total: int) -> Band:
    """The first band whose threshold the total is strictly above (the last band otherwise)."""
    for band in bands:
        if band.above is None or total > band.above:
            return band
    return bands[-1]


def _compile_engagement(rule: EngagementRule, default_window_days: int) -> _Engagement:
    filters = tuple((name, compile_condition(cond)) for name, cond in rule.where.items())
    window = timedelta(days=rule.window_days or default_window_days)
    return _Engagement(rule, filters, window)


def _evaluate(
    compiled: _Engagement, occurrences: Sequence[Occurrence], now: datetime
) -> tuple[Contribution | None, datetime | None]:
    start = now - compiled.window
    inside = [item for item in occurrences if start < item.at <= now]
    tally = WindowTally(len(inside), sum(item.weight for item in inside))
    points = compiled.points(tally)
    change_at = next_points_change(occurrences, now, compiled.window, tally, compiled.points)
    if points == 0:
        return None, change_at
    rule = compiled.rule
    evidence = tuple(item.activity_id for item in inside)
    measure = compiled.measure(tally)
    return Contribution(rule.id, rule.label, points, "engagement", measure, evidence), change_at
