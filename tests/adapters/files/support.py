"""Helpers for the local-files tests: canonical records saved as a user's CSV files."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from connector.model import Activity, Lead

LEAD_HEADER = ["id", "email", "name", "company", "industry", "employees", "department", "title"]
ACTIVITY_HEADER = ["id", "lead_id", "kind", "occurred_at", "page", "duration_seconds"]
ACTIVITY_HEADER += ["campaign", "channel", "answer"]


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """A CSV file as a user would save it."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def seed_files(folder: Path, leads: Sequence[Lead], activities: Sequence[Activity]) -> None:
    """leads.csv and activities.csv holding the canonical records."""
    lead_rows = [{"id": lead.id, "owner": lead.owner or "", **lead.attributes} for lead in leads]
    write_csv(folder / "leads.csv", [*LEAD_HEADER, "owner"], lead_rows)
    activity_rows = [
        {
            "id": a.id,
            "lead_id": a.lead_id,
            "kind": a.kind,
            "occurred_at": a.occurred_at.isoformat(),
            **{name: str(value) for name, value in a.properties.items()},
        }
        for a in activities
    ]
    write_csv(folder / "activities.csv", ACTIVITY_HEADER, activity_rows)
