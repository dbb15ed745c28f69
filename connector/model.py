"""The canonical, CRM-agnostic model: leads and their activities, immutable."""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class CurrentResult:
    """What the CRM currently shows for a lead's score (as last written there)."""

    score: int | None
    priority: str | None
    reasons: str | None = None


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
