"""Reading real-world files: encodings Excel writes, .xlsx, Japanese headers, bad rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from adapters.files.adapter import LocalFilesAdapter
from adapters.files.mapping import load_csv_mapping
from connector.errors import InputError
from connector.ports import InputProblem
from tests.scoring_support import ROOT

LEADS = "id,name,company,industry,title,owner\nL1,山田 太郎,ﾐﾂﾜ精工株式会社,自動車,部長,sato\n"
ACTIVITIES = (
    "id,lead_id,kind,occurred_at,page,duration_seconds\n"
    "A1,L1,page_view,2026/11/18 9:30,/products/abc,120\n"
    "A2,L1,trade_show_visit,2026-10-22T10:00:00+09:00,,\n"
)


def _adapter(tmp_path: Path, leads: str = "leads.csv", activities: str = "activities.csv"):  # type: ignore[no-untyped-def]
    problems: list[InputProblem] = []
    adapter = LocalFilesAdapter(
        leads_path=tmp_path / leads,
        activities_path=tmp_path / activities,
        output_dir=tmp_path / "out",
        mapping=load_csv_mapping(ROOT / "mappings" / "csv.toml"),
        zone=ZoneInfo("Asia/Tokyo"),
        on_problem=problems.append,
    )
    return adapter, problems


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_reads_utf8_with_or_without_bom_and_shift_jis(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "leads.csv").write_bytes(LEADS.encode(encoding))
    (tmp_path / "activities.csv").write_bytes(ACTIVITIES.encode(encoding))
    adapter, problems = _adapter(tmp_path)
    [lead] = adapter.read_leads()
    assert lead.attribute("company") == "ﾐﾂﾜ精工株式会社"
    assert lead.attribute("name") == "山田 太郎"
    activities = list(adapter.read_activities(None, datetime(2026, 10, 1, tzinfo=UTC)))
    assert [a.occurred_at for a in activities] == [
        datetime(2026, 11, 18, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 22, 1, 0, tzinfo=UTC),
    ]
    assert activities[0].properties == {"page": "/products/abc", "duration_seconds": 120.0}
    assert problems == []


def test_reads_xlsx_with_japanese_headers_and_kinds(tmp_path: Path) -> None:
    _workbook(
        tmp_path / "leads.xlsx",
        [["ID", "氏名", "業種", "役職", "担当営業"], ["L1", "山田 太郎", "自動車", "部長", "sato"]],
    )
    _workbook(
        tmp_path / "activities.xlsx",
        [
            ["活動ID", "リードID", "種別", "日時", "ページ", "滞在秒数"],
            ["A1", "L1", "ページ閲覧", datetime(2026, 11, 18, 9, 30), "/products/abc", 120],  # noqa: DTZ001 - Excel cells are naive
        ],
    )
    adapter, problems = _adapter(tmp_path, "leads.xlsx", "activities.xlsx")
    [lead] = adapter.read_leads()
    assert (lead.attribute("industry"), lead.owner) == ("自動車", "sato")
    [activity] = adapter.read_activities(None, datetime(2026, 10, 1, tzinfo=UTC))
    assert activity.kind == "page_view"
    assert activity.occurred_at == datetime(2026, 11, 18, 0, 30, tzinfo=UTC)
    assert activity.properties["duration_seconds"] == 120.0
    assert problems == []


def test_bad_rows_are_skipped_and_reported_with_their_line(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_text(LEADS + "L1,重複,,,,\n,名無し,,,,\n", encoding="utf-8")
    (tmp_path / "activities.csv").write_text(
        ACTIVITIES
        + "A3,L1,page_view,not-a-date,,\n"
        + "A4,L9,page_view,2026-11-18T09:30:00,,\n"
        + "A5,L1,fax,2026-11-18T09:30:00,,\n"
        + "A1,L1,page_view,2026-11-18T09:30:00,,\n"
        + "A6,L1,page_view,2026-11-18T09:30:00,/x,ten\n",
        encoding="utf-8",
    )
    adapter, problems = _adapter(tmp_path)
    assert [lead.id for lead in adapter.read_leads()] == ["L1"]
    assert len(list(adapter.read_activities(None, datetime(2026, 10, 1, tzinfo=UTC)))) == 2
    found = [(p.source, p.location, p.message.split(";")[0]) for p in problems]
    assert found == [
        ("leads.csv", "line 3", "duplicate lead id L1"),
        ("leads.csv", "line 4", "no id"),
        (
            "activities.csv",
            "line 4",
            "not a timestamp: 'not-a-date' (use ISO 8601 like 2026-11-20T14:05:00+09:00, "
            "or 2026/11/20 14:05)",
        ),
        ("activities.csv", "line 5", "unknown lead id 'L9' (not in the leads file)"),
        ("activities.csv", "line 6", "unknown kind 'fax'"),
        ("activities.csv", "line 7", "duplicate activity id A1"),
        ("activities.csv", "line 8", "duration_seconds is not a number: 'ten'"),
    ]


def test_a_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_text(LEADS, encoding="utf-8")
    (tmp_path / "activities.csv").write_text("id,lead_id,when\n", encoding="utf-8")
    adapter, _ = _adapter(tmp_path)
    with pytest.raises(InputError, match=r"activities.csv: missing column\(s\) kind, occurred_at"):
        list(adapter.read_activities(None, datetime(2026, 10, 1, tzinfo=UTC)))


def test_a_file_in_another_encoding_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_bytes("id,name\nL1,山田\n".encode("utf-16"))
    (tmp_path / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    adapter, _ = _adapter(tmp_path)
    with pytest.raises(InputError, match="leads.csv: neither UTF-8 nor Shift_JIS"):
        list(adapter.read_leads())


def _workbook(path: Path, rows: list[list[object]]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
