"""Pure conversions between file rows and the canonical records: rows in, rows out.

Rows arrive with their headers already renamed to canonical column names; nothing here
opens a file or reports a problem: a parser returns the reason a row cannot be used.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from adapters.files.mapping import CsvMapping
from connector.model import Activity, CurrentResult, Lead
from connector.ports import FollowUpTask, ScoreWrite
from connector.timestamps import parse_timestamp

Row = dict[str, str]

_ACTIVITY_FIELDS = frozenset({"id", "lead_id", "kind", "occurred_at"})
#: The most characters an Excel cell holds: a longer breakdown would be cut when the file is
#: opened and saved in Excel, and a cut breakdown is no JSON.
EXCEL_CELL_LIMIT = 32_767
#: Past 10^15 a float stops counting whole units, and sums of such values overflow to inf:
#: no dwell time, count or amount a rule can use is that large.
MAX_NUMBER = 1e15
#: Characters that make Excel (and LibreOffice) read a cell as a formula (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A leading quote is the neutralising mark, so text that starts with one is marked too:
#: that keeps `restored(neutralised(text)) == text` for every text.
_MARKED_STARTS = (*_FORMULA_STARTS, "'")


class LeadRows:
    """Turns one leads-file row into a Lead, or says why it cannot."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def parse(self, row: Row) -> tuple[Lead | None, str | None]:
        """The lead, or None and the reason the row was skipped."""
        lead_id = row.get("id", "")
        if not lead_id:
            return None, "no id; row skipped"
        if lead_id in self._seen:
            return None, f"duplicate lead id {lead_id}; row skipped"
        self._seen.add(lead_id)
        attributes = {name: value for name, value in row.items() if value and name != "id"}
        return Lead(id=lead_id, attributes=attributes, owner=row.get("owner") or None), None


class ActivityRows:
    """Turns one activities-file row into an Activity, or says why it cannot."""

    def __init__(self, mapping: CsvMapping, zone: tzinfo, lead_ids: set[str]) -> None:
        self._kinds = mapping.activities.kinds
        self._known = mapping.known_kinds()
        self._numeric = frozenset(mapping.activities.numeric_properties)
        self._zone = zone
        self._lead_ids = lead_ids
        self._seen: set[str] = set()

    def parse(self, row: Row) -> tuple[Activity | None, str | None]:
        """The activity, or None and the reason the row was skipped."""
        activity_id, lead_id = row.get("id", ""), row.get("lead_id", "")
        kind = self._kinds.get(row.get("kind", ""), row.get("kind", ""))
        if not activity_id:
            return None, "no id; row skipped"
        if activity_id in self._seen:
            return None, f"duplicate activity id {activity_id}; row skipped"
        if lead_id not in self._lead_ids:
            return None, f"unknown lead id {lead_id!r} (not in the leads file); row skipped"
        if kind not in self._known:
            known = ", ".join(sorted(self._known))
            return None, f"unknown kind {kind!r}; use one of {known} or map it; row skipped"
        try:
            occurred_at = parse_timestamp(row.get("occurred_at", ""), self._zone)
            properties = self._properties(row)
        except ValueError as error:
            return None, f"{error}; row skipped"
        self._seen.add(activity_id)
        return Activity(activity_id, lead_id, kind, occurred_at, properties), None

    def _properties(self, row: Row) -> dict[str, str | float]:
        properties: dict[str, str | float] = {}
        for name, value in row.items():
            if not value or name in _ACTIVITY_FIELDS:
                continue
            properties[name] = self._number(name, value) if name in self._numeric else value
        return properties

    @staticmethod
    def _number(name: str, value: str) -> float:
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise ValueError(f"{name} is not a number: {value!r}") from None
        if not abs(number) <= MAX_NUMBER:  # also false for nan
            raise ValueError(f"{name} is not a usable number: {value!r} (beyond ±10^15)")
        return number


def score_row(write: ScoreWrite, zone: tzinfo) -> Row:
    """A scores.csv row; the time in the configured zone, as the sales team reads it."""
    return {
        "lead_id": write.lead_id,
        "score": str(write.score),
        "priority": write.priority,
        "reasons": write.reasons,
        "scored_at": _local(write.scored_at, zone),
        "next_change_at": ""
        if write.next_change_at is None
        else _local(write.next_change_at, zone),
        "breakdown": write.breakdown or "",
    }


def _local(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def score_of(row: Row) -> int:
    """A scores.csv row's score for sorting; a blank or edited-by-hand value sorts as 0."""
    try:
        return int(row.get("score") or 0)
    except ValueError:
        return 0


def current_result(row: Row) -> CurrentResult | None:
    """What a scores.csv row shows, read as every adapter reads a CRM's result fields."""
    return CurrentResult.shown(
        row.get("score"),
        row.get("priority"),
        row.get("reasons"),
        breakdown=row.get("breakdown"),
        next_change_at=_instant(row.get("next_change_at") or ""),
    )


def _instant(text: str) -> datetime | None:
    """A next_change_at cell (written with its offset); None when blank or edited into junk."""
    try:
        return parse_timestamp(text, UTC) if text.strip() else None
    except ValueError:
        return None  # shows nothing leadscore wrote: the result is written again


def task_row(task: FollowUpTask) -> Row:
    """A tasks.csv row."""
    return {
        "key": task.key,
        "lead_id": task.lead_id,
        "owner": task.owner or "",
        "subject": task.subject,
        "due_date": task.due_date.isoformat(),
        "priority": task.priority,
    }


def neutralised(text: str) -> str:
    """`text` safe to open in a spreadsheet: a quote before a leading formula character."""
    return f"'{text}" if text.startswith(_MARKED_STARTS) else text


def restored(text: str) -> str:
    """The text `neutralised` was given (text without its mark is returned as it is)."""
    marked = text.startswith("'") and text[1:].startswith(_MARKED_STARTS)
    return text[1:] if marked else text
