"""The canonical, CRM-agnostic model: leads and their activities, immutable."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

PropertyValue = str | float

#: Activity kinds every adapter maps its CRM's records onto; mappings may add more.
CANONICAL_KINDS = frozenset(
    {
        "trade_show_visit",
        "seminar_attended",
        "page_view",
        "email_click",
        "download",
        "form_submit",
    }
)


#: The properties each canonical kind carries (what `where` and `sum` may name).
CANONICAL_PROPERTIES: Mapping[str, frozenset[str]] = {
    "trade_show_visit": frozenset({"campaign"}),
    "seminar_attended": frozenset({"campaign"}),
    "page_view": frozenset({"page", "duration_seconds"}),
    "email_click": frozenset({"campaign", "channel"}),
    "download": frozenset({"campaign", "channel"}),
    "form_submit": frozenset({"campaign", "answer"}),
}


@dataclass(frozen=True, slots=True)
class CurrentResult:
    """What the CRM currently shows for a lead's score (as last written there)."""

    score: int | None
    priority: str | None
    reasons: str | None = None
    #: `breakdown_digest` of the breakdown field's text (None when empty or not read).
    breakdown: str | None = None
    #: The next-change field (None when empty or not read).
    next_change_at: datetime | None = None

    @classmethod
    def shown(
        cls,
        score: object,
        priority: object,
        reasons: object,
        *,
        breakdown: object = None,
        next_change_at: datetime | None = None,
    ) -> CurrentResult | None:
        """From a CRM's raw field values; None when it shows neither a score nor a band.

        CRMs store an empty text as no value, so blank means absent, a scored record's
        missing reasons read as "", and a score may come back as text or a float ("150.0").
        The breakdown is kept as its digest: a full run holds every lead's current result.
        """
        number = _as_score(score)
        band = _as_text(priority)
        if number is None and band is None:
            return None
        digest = breakdown_digest(_as_text(breakdown) or "")
        return cls(number, band, _as_text(reasons) or "", digest, next_change_at)


#: The breakdown's `"scored_at":"...",` member: a new instant every run, so not compared.
_SCORED_AT = re.compile(r'"scored_at":(?:"[^"]*"|null),?')


def breakdown_digest(text: str) -> str | None:
    """A short fingerprint of a breakdown text, blind to its `scored_at`; None for ""."""
    if not text:
        return None
    # Inside a JSON string every quote is escaped, so an unescaped `"scored_at":` is a key.
    compared = _SCORED_AT.sub("", text, count=1)
    return hashlib.sha256(compared.encode()).hexdigest()[:32]


def _as_text(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _as_score(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    except ValueError:
        return None
    return round(number) if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class Lead:
    """A lead or contact: its CRM id, owner and canonical attributes (all text)."""

    id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    owner: str | None = None
    modified_at: datetime | None = None
    current: CurrentResult | None = None

    def attribute(self, name: str) -> str:
        """The attribute's value, or an empty string when the lead has none."""
        return self.attributes.get(name, "")


@dataclass(frozen=True, slots=True)
class Activity:
    """One thing a lead did, at an instant (timezone-aware, UTC), with its properties."""

    id: str
    lead_id: str
    kind: str
    occurred_at: datetime
    properties: Mapping[str, PropertyValue] = field(default_factory=dict)

    def within(self, after: datetime, before: datetime | None = None) -> bool:
        """Whether it occurred after `after` and, when given, at or before `before`."""
        return self.occurred_at > after and (before is None or self.occurred_at <= before)
