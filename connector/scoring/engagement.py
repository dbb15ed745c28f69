"""Engagement rules evaluated on one lead's matching activities: points, and when they change."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter

from connector.model import Activity, PropertyValue
from connector.scoring.matching import Matched
from connector.scoring.result import Contribution
from connector.scoring.rules import EngagementRule
from connector.scoring.text import parse_number
from connector.scoring.window import Window, next_points_change

#: A rule's contribution now (None when it gives nothing), and when its points next change.
Outcome = tuple[Contribution | None, datetime | None]
#: What a rule gives when it gives nothing now and never will without new activities.
NOTHING: Outcome = (None, None)
_ID = attrgetter("id")


class Engagement:
    """One engagement rule, with what its hot path needs pulled out of the model."""

    __slots__ = (
        "at_least",
        "cap",
        "matcher",
        "narrow",
        "per_occurrence",
        "points_each",
        "rule",
        "sum_of",
        "window",
    )

    def __init__(self, rule: EngagementRule, matcher: int, window: Window, longest: Window):
        self.rule = rule
        self.matcher = matcher
        self.window = window
        #: Shorter than the longest window, whose activities the matchers collect.
        self.narrow = window.days < longest.days
        self.sum_of = rule.sum
        self.at_least = rule.at_least
        self.points_each = rule.points
        self.per_occurrence = rule.per_occurrence
        self.cap = rule.max_points or 0

    def weight(self, activity: Activity) -> int:
        """The summed property of one activity, in thousandths (0 for counting rules)."""
        name = self.sum_of
        return 0 if name is None else _thousandths(activity.properties.get(name))

    def points(self, count: int, weight: int) -> int:
        """The rule's points for this many matching activities and this summed weight."""
        measure = count if self.sum_of is None else weight / 1000
        if count == 0 or measure < self.at_least:
            return 0
        if not self.per_occurrence:
            return self.points_each
        magnitude = min(abs(self.points_each) * count, self.cap)
        return magnitude if self.points_each > 0 else -magnitude

    def evaluate(self, found: Matched, now: datetime) -> Outcome:
        """The rule's contribution at `now`, and when its points next change."""
        inside, later = found
        if self.narrow:
            inside = self._in_window(inside, now)
        name = self.sum_of
        if name is None:
            if not later and len(inside) < self.at_least:
                return NOTHING  # too few now, and nothing dated later to add more
            return self._conclude(inside, later, None, now)
        weights = _weights(inside, name)
        return self._conclude(inside, later, weights, now)

    def _in_window(self, inside: list[Activity], now: datetime) -> list[Activity]:
        start = self.window.start(now)
        return [activity for activity in inside if activity.occurred_at > start]

    def _conclude(
        self,
        inside: list[Activity],
        later: list[Activity],
        weights: list[int] | None,
        now: datetime,
    ) -> Outcome:
        weight = 0 if weights is None else sum(weights)
        points = self.points(len(inside), weight)
        may_grow = bool(later) or (weights is not None and min(weights, default=0) < 0)
        if points == 0 and not may_grow:
            # Nothing is dated in the future and no weight is negative, so the measures only
            # shrink as activities leave: a rule that gives nothing now never will.
            return NOTHING
        change_at = self._next_change(inside, later, weights, points, now, may_grow)
        if points == 0:
            return None, change_at
        measure = weight / 1000 if weights is not None else float(len(inside))
        return self._contribution(points, measure, inside, change_at), change_at

    def _contribution(
        self, points: int, measure: float, inside: list[Activity], until: datetime | None
    ) -> Contribution:
        rule = self.rule
        evidence = tuple(map(_ID, inside))
        return Contribution(rule.id, rule.label, points, "engagement", measure, evidence, until)

    def _next_change(
        self,
        inside: list[Activity],
        later: list[Activity],
        weights: list[int] | None,
        points: int,
        now: datetime,
        may_grow: bool,
    ) -> datetime | None:
        if may_grow:
            occurrences = [(a.occurred_at, self.weight(a)) for a in [*inside, *later]]
            return next_points_change(occurrences, now, self.window, self.points)
        return _first_exit_change(inside, weights, self.window, points, self.points)


def _first_exit_change(
    inside: list[Activity],
    weights: list[int] | None,
    window: Window,
    points: int,
    points_of: Callable[[int, int], int],
) -> datetime | None:
    """When the first exit (oldest first) changes the points; equal times leave together."""
    count, weight = len(inside), sum(weights) if weights is not None else 0
    position = 0
    while position < len(inside):
        at = inside[position].occurred_at
        while position < len(inside) and inside[position].occurred_at == at:
            count -= 1
            weight -= weights[position] if weights is not None else 0
            position += 1
        if points_of(count, weight) != points:
            return window.leaves(at)
    return None


def _weights(inside: list[Activity], name: str) -> list[int]:
    """Each activity's `name` in thousandths: integers, so sliding the window adds up exactly."""
    weights: list[int] = []
    append = weights.append
    try:
        for activity in inside:  # the hot loop of summing rules: floats skip the parser
            value = activity.properties.get(name)
            append(round(value * 1000) if type(value) is float else _thousandths(value))
    except (ValueError, OverflowError):  # NaN or infinity among the floats
        return [_thousandths(activity.properties.get(name)) for activity in inside]
    return weights


def _thousandths(value: PropertyValue | None) -> int:
    number = parse_number(value)
    scaled = None if number is None else number * 1000
    if scaled is None or not math.isfinite(scaled):
        return 0  # not a number, or too large to be one (1e308 seconds): it adds nothing
    return round(scaled)


class _Counting(Engagement):
    """A rule on how many matching activities the window holds: the common shape, made fast."""

    __slots__ = ("_needed",)

    def __init__(self, rule: EngagementRule, matcher: int, window: Window, longest: Window):
        super().__init__(rule, matcher, window, longest)
        self._needed = math.ceil(rule.at_least)  # counts are whole: 2.5 needs 3

    def evaluate(self, found: Matched, now: datetime) -> Outcome:
        """As `Engagement.evaluate`, with the general path kept for future-dated activities."""
        inside, later = found
        if later:
            return super().evaluate(found, now)
        if self.narrow:
            inside = self._in_window(inside, now)
        count, needed = len(inside), self._needed
        if count < needed:
            return NOTHING
        # The points stop when the oldest count - needed + 1 activities have left.
        change_at = self.window.leaves(inside[count - needed].occurred_at)
        return self._contribution(self.points_each, float(count), inside, change_at), change_at


class _Summing(Engagement):
    """A rule on a property summed over the window (dwell seconds): the other common shape."""

    __slots__ = ("_name",)

    def __init__(self, rule: EngagementRule, matcher: int, window: Window, longest: Window):
        super().__init__(rule, matcher, window, longest)
        self._name = rule.sum or ""

    def evaluate(self, found: Matched, now: datetime) -> Outcome:
        """As `Engagement.evaluate`, with the general path kept for later or negative weights."""
        inside, later = found
        if self.narrow:
            inside = self._in_window(inside, now)
        name = self._name
        weights = _weights(inside, name)
        if later or min(weights, default=0) < 0:
            return self._conclude(inside, later, weights, now)
        weight, at_least = sum(weights), self.at_least
        if not inside or weight / 1000 < at_least:
            return NOTHING
        change_at = self._drops_at(inside, weights, weight)
        return self._contribution(self.points_each, weight / 1000, inside, change_at), change_at

    def _drops_at(self, inside: list[Activity], weights: list[int], weight: int) -> datetime:
        # Oldest first, activities at the same instant leave together, until the sum is short.
        position, total, at_least = 0, len(inside), self.at_least
        while True:
            at = inside[position].occurred_at
            while position < total and inside[position].occurred_at == at:
                weight -= weights[position]
                position += 1
            if position == total or weight / 1000 < at_least:
                return self.window.leaves(at)


def engagement_for(
    rule: EngagementRule, matcher: int, window: Window, longest: Window
) -> Engagement:
    """The evaluator for one rule: a fast one for the common shapes, the general one otherwise."""
    if rule.per_occurrence or rule.points == 0:
        return Engagement(rule, matcher, window, longest)
    if rule.sum is None:
        return _Counting(rule, matcher, window, longest)
    return _Summing(rule, matcher, window, longest)
