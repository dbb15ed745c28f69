"""scores.csv read back as the current result: the same reading as every CRM's fields."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.files.records import neutralised, restored
from adapters.files.write import SCORE_COLUMNS, ScoresFile, is_temp_of, write_atomically
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


def test_the_writers_temp_files_are_the_ones_the_cleanup_recognises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed: list[str] = []
    real_replace = os.replace

    def spy(source: str | Path, target: str | Path) -> None:
        renamed.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr("adapters.files.write.os.replace", spy)
    write_atomically(tmp_path / "scores.csv", SCORE_COLUMNS, [])
    [temp] = renamed
    assert is_temp_of(tmp_path / "scores.csv", temp)
    assert not is_temp_of(tmp_path / "tasks.csv", temp)
    assert [path.name for path in tmp_path.iterdir()] == ["scores.csv"]


@given(st.text())
def test_neutralised_text_reads_back_exactly(text: str) -> None:
    safe = neutralised(text)
    assert restored(safe) == text
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("text", "written"),
    [("=1+1", "'=1+1"), ("-20 学生", "'-20 学生"), ("'quoted", "''quoted"), ("高", "高"), ("", "")],
)
def test_a_leading_formula_character_gets_a_quote(text: str, written: str) -> None:
    assert neutralised(text) == written
