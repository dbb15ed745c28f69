"""Fuzzing the input readers through `leadscore sync`: hostile files never crash a run.

Whatever the bytes or the rows, a run exits 0, 1 or 2 (never 70, an internal error), and
every skipped row is reported with its file and line.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.cli_support import AS_OF, run_json
from tests.scoring_support import ROOT

FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LEAD_HEADER = ["id", "name", "company", "industry", "title", "owner"]
ACTIVITY_HEADER = ["id", "lead_id", "kind", "occurred_at", "page", "duration_seconds", "answer"]
LEAD_IDS = ["L1", "L2", "L3"]

#: Stands for a cell past the csv module's field limit, so hypothesis never prints 128 KiB.
GIANT = "<giant>"
#: Cells that broke readers before: quotes, formula starts, line breaks, a cell past the csv
#: module's 128 KiB field limit.
_hostile = st.sampled_from(
    ['"', '""', '"x', 'x"', '"a"b', "=1+1", "-20", "@x", "\t", "\r", "\n", "\r\n", ",", "\x00"]
    + [GIANT]
)
_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_cell = st.one_of(_text, _hostile, st.sampled_from(LEAD_IDS))
_timestamp = st.one_of(
    st.sampled_from(
        ["2026-11-18T09:30:00", "2026/11/18 9:30", "0001-01-01T00:00:00", "9999/12/31 23:59"]
    ),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(str),  # noqa: DTZ001 - naive on purpose
    _cell,
)
_number = st.one_of(
    st.sampled_from(["1e308", "-1e308", "inf", "nan", "1,200", "120秒", "", "ten"]),
    st.floats().map(repr),
    st.integers().map(str),
    _cell,
)
_kind = st.one_of(st.sampled_from(["page_view", "trade_show_visit", "ページ閲覧"]), _cell)
_lead_rows = st.lists(st.lists(_cell, min_size=0, max_size=7), max_size=6)
_activity_rows = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(["A1", "A2"]), _cell),
        st.one_of(st.sampled_from(LEAD_IDS), _cell),
        _kind,
        _timestamp,
        _cell,
        _number,
        _cell,
    ).map(list),
    max_size=8,
)
_formats = st.sampled_from(["utf-8", "utf-8-sig", "cp932", "xlsx"])


def _config(folder: Path, leads: str, activities: str) -> Path:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace("examples/leads.csv", leads).replace("examples/activities.csv", activities)
    text = text.replace("mappings/csv.toml", (ROOT / "mappings" / "csv.toml").as_posix())
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return folder / "config.toml"


def _save(folder: Path, stem: str, rows: list[list[str]], encoding: str) -> str:
    """`rows` as the file a user's tool would save: CSV in `encoding`, or a workbook."""
    giant = "x" * (csv.field_size_limit() + 1)
    rows = [[giant if cell == GIANT else cell for cell in row] for row in rows]
    if encoding == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
        book.save(folder / f"{stem}.xlsx")
        return f"{stem}.xlsx"
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    (folder / f"{stem}.csv").write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    return f"{stem}.csv"


def _assert_handled(capsys: pytest.CaptureFixture[str], folder: Path, names: set[str]) -> None:
    code, printed = run_json(
        capsys, "sync", "--config", str(folder / "config.toml"), "--as-of", AS_OF
    )
    assert code in (0, 1, 2), printed
    if code == 2:
        assert printed["error"]["type"] == "InputError", printed
        assert any(name in printed["error"]["message"] for name in names), printed
        return
    for problem in printed["problems"]:
        assert problem["source"] in names, problem
        assert re.fullmatch(r"line [1-9]\d*", problem["location"]), problem


def _run(capsys: pytest.CaptureFixture[str], write: Any) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        leads, activities = write(folder)
        _config(folder, leads, activities)
        _assert_handled(capsys, folder, {leads, activities})


@FUZZ
@given(data=st.binary(max_size=3000), target=st.sampled_from(["leads", "activities"]))
def test_random_bytes_never_crash_a_run(
    capsys: pytest.CaptureFixture[str], data: bytes, target: str
) -> None:
    def write(folder: Path) -> tuple[str, str]:
        leads = [
            LEAD_HEADER,
            *([lead, "名前", "会社", "自動車", "部長", "sato"] for lead in LEAD_IDS),
        ]
        activities = [ACTIVITY_HEADER, ["A1", "L1", "page_view", "2026-11-18T09:30:00"]]
        names = (
            _save(folder, "leads", leads, "utf-8"),
            _save(folder, "activities", activities, "utf-8"),
        )
        (folder / f"{target}.csv").write_bytes(data)
        return names

    _run(capsys, write)


@FUZZ
@given(leads=_lead_rows, activities=_activity_rows, encoding=_formats)
def test_random_rows_in_every_format_never_crash_a_run(
    capsys: pytest.CaptureFixture[str],
    leads: list[list[str]],
    activities: list[list[str]],
    encoding: str,
) -> None:
    def write(folder: Path) -> tuple[str, str]:
        known = [[lead, "名前", "会社", "自動車", "部長", "sato"] for lead in LEAD_IDS[:2]]
        return (
            _save(folder, "leads", [LEAD_HEADER, *known, *leads], encoding),
            _save(folder, "activities", [ACTIVITY_HEADER, *activities], encoding),
        )

    _run(capsys, write)
