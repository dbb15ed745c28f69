"""The embedded default under hostile input, as a user meets it through `leadscore`."""

from __future__ import annotations

import csv
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.cli_support import AS_OF, read_csv, run_json


def _blocked_output_folder(config: Path) -> Path:
    blocker = config.parent / "out"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    return blocker


def test_check_flags_an_output_dir_that_is_a_file(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = _blocked_output_folder(config)
    code, printed = run_json(capsys, "check", "--config", str(config))
    assert code == 1
    [item] = [item for item in printed["items"] if item["subject"] == str(blocker)]
    assert item["ok"] is False
    assert "is a file" in item["detail"]


@pytest.mark.parametrize("dry_run", [True, False])
def test_setup_refuses_an_output_dir_that_is_a_file(
    config: Path, capsys: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    blocker = _blocked_output_folder(config)
    argv = ["setup", "--config", str(config), *(["--dry-run"] if dry_run else [])]
    code, printed = run_json(capsys, *argv)
    assert code == 1
    [item] = printed["items"]
    assert (item["subject"], item["ok"]) == (str(blocker), False)
    assert "is a file" in item["detail"]
    assert blocker.read_text(encoding="utf-8").startswith("a file")


def _sync(capsys: pytest.CaptureFixture[str], config: Path) -> tuple[int, dict[str, Any]]:
    return run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)


def _aged(path: Path, seconds: float) -> Path:
    path.write_text("half a file", encoding="utf-8")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_a_sync_removes_temp_files_a_killed_write_left_and_nothing_else(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = config.parent / "out"
    out.mkdir()
    stale = [_aged(out / ".scores.csv.k3j2_x9a", 3600), _aged(out / ".tasks.csv.0a1b2c3d", 120)]
    kept = [
        _aged(out / ".scores.csv.q8w7e6r5", 1),  # another process may be writing it right now
        _aged(out / ".scores.csv.bak", 3600),  # not a name our writer makes
        _aged(out / ".scores.csv.k3j2_x9a.old", 3600),
        _aged(out / "notes.txt", 3600),
    ]
    code, _ = _sync(capsys, config)
    assert code == 0
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)
    assert sorted(path.name for path in out.iterdir()) == sorted(
        ["scores.csv", "tasks.csv", *(path.name for path in kept)]
    )


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_results_get_the_mode_the_umask_gives_a_new_file(
    config: Path, capsys: pytest.CaptureFixture[str], umask: int, mode: int
) -> None:
    previous = os.umask(umask)
    try:
        code, _ = _sync(capsys, config)
    finally:
        os.umask(previous)
    assert code == 0
    for name in ("scores.csv", "tasks.csv"):
        assert stat.S_IMODE((config.parent / "out" / name).stat().st_mode) == mode


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _edit_lead(config: Path, lead_id: str, **values: str) -> None:
    path = config.parent / "examples" / "leads.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["id"] == lead_id:
            row.update(values)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _hostile_labels(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    subject = 'subject = "【要フォロー】{name}（{company}）スコア{score}"'
    text = text.replace(subject, 'subject = "{name}"')
    text += (
        '\n[[scoring.fit]]\nid = "precision"\nlabel = "=1+1 精密機器"\nfield = "industry"\n'
        'contains = ["精密機器"]\npoints = -500\n'
    )
    config.write_text(text, encoding="utf-8")


def test_text_that_excel_would_run_as_a_formula_is_neutralised_and_reads_back(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _hostile_labels(config)
    _edit_lead(config, "L0246", name='=HYPERLINK("http://evil.example","千葉")', owner="@sato")
    code, _ = _sync(capsys, config)
    assert code == 0
    out = config.parent / "out"
    scores = {row["lead_id"]: row for row in read_csv(out / "scores.csv")}
    [task] = [row for row in read_csv(out / "tasks.csv") if row["lead_id"] == "L0246"]
    assert int(scores["L0001"]["score"]) < 0  # a negative score stays a number
    assert scores["L0001"]["reasons"].startswith("'=1+1 精密機器 -500")
    assert task["subject"] == '\'=HYPERLINK("http://evil.example","千葉")'
    assert task["owner"] == "'@sato"
    for name, column in (("scores.csv", "score"), ("tasks.csv", None)):
        for row in read_csv(out / name):
            assert not [
                cell
                for key, cell in row.items()
                if key != column and cell.startswith(_FORMULA_STARTS)
            ]
    code, summary = _sync(capsys, config)
    assert code == 0
    assert summary["counts"]["changed"] == summary["counts"]["written"] == 0
    assert summary["counts"]["tasks_created"] == 0


def _leads_workbook(config: Path, sheets: list[str], data_sheet: str, active: int) -> None:
    """examples/leads.xlsx: the sample leads on `data_sheet`, a note on every other sheet."""
    with (config.parent / "examples" / "leads.csv").open(encoding="utf-8-sig") as handle:
        leads = list(csv.reader(handle))
    book = Workbook()
    book.remove(book.active)
    for title in sheets:
        sheet = book.create_sheet(title)
        for row in leads if title == data_sheet else [["このシートは説明です"]]:
            sheet.append(row)
    book.active = active
    book.save(config.parent / "examples" / "leads.xlsx")
    text = config.read_text(encoding="utf-8").replace("examples/leads.csv", "examples/leads.xlsx")
    config.write_text(text, encoding="utf-8")


def _choose_sheet(config: Path, sheet: str) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[csv]\n", f'[csv]\nsheet = "{sheet}"\n'), encoding="utf-8")


def test_the_first_sheet_is_read_even_when_another_was_selected(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _leads_workbook(config, ["リード", "説明"], data_sheet="リード", active=1)
    code, summary = _sync(capsys, config)
    assert code == 0
    assert summary["counts"]["leads"] == 300


def test_csv_sheet_chooses_the_sheet_to_read(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _leads_workbook(config, ["説明", "リード"], data_sheet="リード", active=0)
    _choose_sheet(config, "リード")
    code, summary = _sync(capsys, config)
    assert code == 0
    assert summary["counts"]["leads"] == 300


def test_a_sheet_that_is_not_there_names_the_file_and_its_sheets(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _leads_workbook(config, ["説明", "リード"], data_sheet="リード", active=0)
    _choose_sheet(config, "Leads")
    code, printed = _sync(capsys, config)
    assert code == 2
    message = printed["error"]["message"]
    assert "leads.xlsx" in message
    assert "'Leads'" in message
    assert "説明, リード" in message
    assert not (config.parent / "out").exists()


def _edit_activities(config: Path, edits: dict[int, Callable[[list[str]], list[str]]]) -> None:
    """Rewrite cells of activities.csv rows, by line number, as raw text (no CSV quoting)."""
    path = config.parent / "examples" / "activities.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    for line, edit in edits.items():
        lines[line - 1] = ",".join(edit(lines[line - 1].rstrip("\n").split(","))) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def _cell(index: int, value: Callable[[str], str]) -> Callable[[list[str]], list[str]]:
    def edit(cells: list[str]) -> list[str]:
        cells[index] = value(cells[index])
        return cells

    return edit


def _opening_quote(cell: str) -> str:
    return '"' + cell


@pytest.mark.parametrize(
    ("line", "how"),
    [(4035, "runs past 50 lines"), (4080, "never closes")],  # 4035: the 54 rows
)
def test_a_quote_left_open_near_the_end_refuses_the_file_naming_its_line(
    config: Path, capsys: pytest.CaptureFixture[str], line: int, how: str
) -> None:
    _edit_activities(config, {line: _cell(4, _opening_quote)})
    code, printed = _sync(capsys, config)
    assert code == 2
    assert printed["error"]["type"] == "InputError"
    message = printed["error"]["message"]
    assert f"activities.csv, line {line}: a quoted cell starts in this row and {how}" in message
    assert not (config.parent / "out").exists()


def test_a_quoted_cell_swallowing_many_rows_refuses_the_file_naming_where_it_starts(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closing = _cell(4, lambda cell: cell + '"')
    _edit_activities(config, {1000: _cell(4, _opening_quote), 1200: closing})
    code, printed = _sync(capsys, config)
    assert code == 2
    assert "activities.csv, line 1000: a quoted cell starts" in printed["error"]["message"]
    assert "runs past 50 lines" in printed["error"]["message"]


def test_a_cell_with_a_few_line_breaks_is_one_row_and_later_lines_stay_right(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit_activities(config, {10: _cell(8, lambda cell: '"住所:\n東京都\n千代田区"')})
    code, summary = _sync(capsys, config)
    assert code == 0
    where = {(p["source"], p["location"]) for p in summary["problems"]}
    # The sample's bad rows were at lines 4086-4089; the cell's two line breaks moved them.
    assert ("activities.csv", "line 4089") in where
    assert ("activities.csv", "line 4091") in where


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_cell(4, lambda cell: "x" * 200_000), "a cell longer than 131,072 characters"),
        (_cell(4, lambda cell: f'"{cell}"x'), "a quote inside a cell must be doubled"),
        (_cell(5, lambda cell: "1e308"), "duration_seconds is not a usable number: '1e308'"),
        (_cell(5, lambda cell: "inf"), "duration_seconds is not a usable number: 'inf'"),
        (_cell(5, lambda cell: "nan"), "duration_seconds is not a usable number: 'nan'"),
        (_cell(3, lambda cell: "0001-01-01T00:00:00"), "outside the years 1900-2999"),
        (_cell(3, lambda cell: "9999/12/31 23:59"), "outside the years 1900-2999"),
    ],
)
def test_a_bad_value_skips_its_row_with_file_and_line(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[list[str]], list[str]],
    message: str,
) -> None:
    _edit_activities(config, {2000: edit, 2001: edit})
    code, summary = _sync(capsys, config)
    assert code == 0
    found = {p["location"]: p["message"] for p in summary["problems"]}
    assert message in found["line 2000"]
    assert message in found["line 2001"]
    assert summary["counts"]["input_problems"] == 4 + 2  # the sample's four, and these two
