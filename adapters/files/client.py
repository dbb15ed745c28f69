"""Read tables from .csv (UTF-8 with or without BOM, or cp932) and .xlsx files, row by row."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from connector.errors import InputError

_ENCODINGS = ("utf-8-sig", "cp932")
#: (line number as Excel shows it, the row's cells by header name)
Rows = Iterator[tuple[int, dict[str, str]]]


@dataclass(frozen=True, slots=True)
class Table:
    """A table's header and its rows, each with the line number a user sees in Excel."""

    path: Path
    header: tuple[str, ...]
    rows: Rows


@contextmanager
def open_table(path: Path, sheet: str | None = None) -> Iterator[Table]:
    """A .csv or .xlsx file: its header at once, its rows as they are iterated; closed after.

    In a workbook, `sheet` names the worksheet to read; the first one when None.
    """
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    with ExitStack() as stack:
        if path.suffix.lower() == ".xlsx":
            header, rows = _read_xlsx(path, sheet, stack)
        else:
            header, rows = _read_csv(path, stack)
        yield Table(path, header, rows)


def require_columns(path: Path, header: Mapping[str, str], columns: Sequence[str]) -> None:
    """Raise InputError naming the file and every canonical column its (renamed) header lacks."""
    missing = [column for column in columns if column not in header.values()]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; "
            f"the header has: {', '.join(header) or '(nothing)'}"
        )


def _read_csv(path: Path, stack: ExitStack) -> tuple[tuple[str, ...], Rows]:
    handle = stack.enter_context(path.open(encoding=_encoding_of(path), newline=""))
    reader = csv.reader(handle)
    header = tuple(cell.strip() for cell in next(reader, []))
    return header, _csv_rows(reader, header)


def _csv_rows(reader: Iterator[list[str]], header: tuple[str, ...]) -> Rows:
    for cells in reader:
        if any(cell.strip() for cell in cells):
            line = reader.line_num  # type: ignore[attr-defined]  # the line Excel shows
            yield line, dict(zip(header, (cell.strip() for cell in cells), strict=False))


def _encoding_of(path: Path) -> str:
    """UTF-8 (BOM or not) or cp932, checked over the whole file without holding it in memory."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if b"\x00" in head:
        # cp932 would "decode" UTF-16 into garbage; say what the file is instead.
        raise InputError(
            f"{path}: neither UTF-8 nor Shift_JIS (it looks like UTF-16, Excel's "
            "'Unicode text'); save it as 'CSV UTF-8'"
        )
    for encoding in _ENCODINGS:
        if _decodes_as(path, encoding):
            return encoding
    raise InputError(f"{path}: neither UTF-8 nor Shift_JIS (cp932); save it as CSV UTF-8")


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_xlsx(path: Path, sheet: str | None, stack: ExitStack) -> tuple[tuple[str, ...], Rows]:
    from openpyxl import load_workbook  # imported here: only .xlsx users pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for a bad file
        raise InputError(f"{path}: not a readable .xlsx workbook ({error})") from None
    stack.callback(workbook.close)
    rows = _worksheet(path, workbook, sheet).iter_rows(values_only=True)
    header = tuple(_cell_text(cell) for cell in next(rows, ()))
    return header, _xlsx_rows(rows, header)


def _worksheet(path: Path, workbook: Any, sheet: str | None) -> Any:
    """The named worksheet, or the first: never the one that happened to be selected on save."""
    # `worksheets` leaves out chart sheets, which have no rows to read.
    sheets = {worksheet.title: worksheet for worksheet in workbook.worksheets}
    if not sheets:
        raise InputError(f"{path}: the workbook has no worksheet")
    if sheet is None:
        return next(iter(sheets.values()))
    if sheet not in sheets:
        raise InputError(
            f"{path}: no sheet {sheet!r} (csv.sheet); its sheets are: {', '.join(sheets)}"
        )
    return sheets[sheet]


def _xlsx_rows(rows: Iterator[tuple[object, ...]], header: tuple[str, ...]) -> Rows:
    for line, cells in enumerate(rows, start=2):
        texts = [_cell_text(cell) for cell in cells]
        if any(texts):
            yield line, dict(zip(header, texts, strict=False))


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
