"""scores.csv read back as the current result: the same reading as every CRM's fields."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.files.write import SCORE_COLUMNS, ScoresFile, write_atomically
from connector.model import CurrentResult


def test_a_row_shows_a_result_when_it_has_a_score_or_a_band(tmp_path: Path) -> None:
    rows = [
        {"lead_id": "L1", "score": "150.0", "priority": "A", "reasons": "visited"},
        {"lead_id": "L2", "score": "", "priority": "B", "reasons": ""},
        {"lead_id": "L3", "score": " ", "priority": "", "reasons": "stale"},
        {"lead_id": "", "score": "90", "priority": "A", "reasons": ""},
    ]
    write_atomically(tmp_path / "scores.csv", SCORE_COLUMNS, rows)
    assert ScoresFile(tmp_path / "scores.csv", ZoneInfo("Asia/Tokyo")).current() == {
        "L1": CurrentResult(150, "A", "visited"),
        "L2": CurrentResult(None, "B", ""),
    }


def test_no_file_yet_shows_no_results(tmp_path: Path) -> None:
    assert ScoresFile(tmp_path / "scores.csv", ZoneInfo("Asia/Tokyo")).current() == {}
