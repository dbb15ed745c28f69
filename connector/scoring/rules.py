"""The scoring table as validated data: fit rules, engagement rules and priority bands."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connector.scoring.text import compile_pattern
from connector.scoring.window import Window

RuleId = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")]
TextOrList = str | list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(_Strict):
    """A test on one value; every operator given must hold. Text ignores 全角/半角 and case."""

    equals: str | float | None = None
    in_: list[str | float] | None = Field(default=None, alias="in")
    contains: TextOrList | None = None
    not_contains: TextOrList | None = None
    regex: str | None = None
    min: float | None = None
    max: float | None = None

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compile_pattern(value)  # exactly as the scorer will compile it
            except re.error as error:
                raise ValueError(f"not a valid regular expression: {error}") from None
        return value

    @model_validator(mode="after")
    def _has_an_operator(self) -> Self:
        if not self.operators():
            raise ValueError(
                "give at least one of: equals, in, contains, not_contains, regex, min, max"
            )
        return self

    def operators(self) -> dict[str, object]:
        """The operators this condition uses, by name."""
        names = ("equals", "in_", "contains", "not_contains", "regex", "min", "max")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


class FitRule(Condition):
    """Points for a lead attribute (industry, title, size...) matching the condition."""

    id: RuleId
    label: str = Field(min_length=1)
    points: int
    field: str = Field(min_length=1)


class EngagementRule(_Strict):
    """Points for activities inside the window: by existence, count or summed property."""

    id: RuleId
    label: str = Field(min_length=1)
    points: int
    activity: TextOrList
    where: dict[str, Condition] = Field(default_factory=dict)
    sum: str | None = None
    at_least: float = Field(default=1, gt=0)
    per_occurrence: bool = False
    max_points: int | None = Field(default=None, gt=0)
    window_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _modes_fit_together(self) -> Self:
        if self.per_occurrence and self.sum is not None:
            raise ValueError("per_occurrence counts activities; it cannot be combined with sum")
        if self.per_occurrence and self.max_points is None:
            raise ValueError("per_occurrence needs max_points, the cap on the rule's points")
        if self.max_points is not None and not self.per_occurrence:
            raise ValueError("max_points only applies with per_occurrence = true")
        return self

    def kinds(self) -> frozenset[str]:
        """The activity kinds this rule looks at."""
        return frozenset([self.activity] if isinstance(self.activity, str) else self.activity)


class Band(_Strict):
    """A priority label for totals strictly above `above`; the last band takes the rest."""

    label: str = Field(min_length=1)
    above: int | None = None
    follow_up: bool = False


class RuleSet(_Strict):
    """The scoring table both teams agreed on; its hash versions every score it produced."""

    window_days: int = Field(default=30, gt=0)
    language: Literal["ja", "en"] = "ja"
    reasons_max_length: int = Field(default=255, ge=40)
    fit: list[FitRule] = Field(default_factory=list)
    engagement: list[EngagementRule] = Field(default_factory=list)
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> Self:
        ids = [rule.id for rule in self.fit] + [rule.id for rule in self.engagement]
        duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _bands_ordered(self) -> Self:
        *upper, last = self.bands
        if last.above is not None:
            raise ValueError(
                f"the last band ({last.label!r}) takes every other total: drop 'above'"
            )
        thresholds = [band.above for band in upper if band.above is not None]
        if len(thresholds) < len(upper):
            raise ValueError("every band but the last needs 'above', its threshold")
        if thresholds != sorted(set(thresholds), reverse=True):
            raise ValueError(
                "bands go from the highest threshold down, each lower than the one before"
            )
        return self

    def longest_window_days(self) -> int:
        """The farthest back any engagement rule looks, in days."""
        return max([self.window_days, *(rule.window_days or 0 for rule in self.engagement)])

    def window_start(self, now: datetime, zone: tzinfo = UTC) -> datetime:
        """The earliest instant any rule looks back to from `now`: what a run must read."""
        return Window(self.longest_window_days(), zone).start(now)

    def content_hash(self) -> str:
        """A short, stable hash of the rules and bands: changing them means a full rescore."""
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]
