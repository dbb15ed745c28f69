"""Read tables from .csv (UTF-8 with or without BOM, or cp932) and .xlsx files, row by row."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from connector.errors import InputError

_ENCODINGS = ("utf-8-sig", "cp932")
#: A quoted cell may hold line breaks (an address, a note), but a row spanning more lines
#: than this is a stray quote swallowing the rows after it.
MAX_LINES_PER_ROW = 50


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A row the CSV syntax does not allow (a stray quote, a giant cell): skipped, reported."""

    reason: str


#: (the line the row starts on, its cells by header name or why it could not be split)
Rows = Iterator[tuple[int, dict[str, str] | Unreadable]]


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


class _Lines:
    """A file's lines as csv.reader takes them, counted to know where each row starts.

    It stops a runaway quoted cell after MAX_LINES_PER_ROW lines, before the csv module
    would hold the rest of the file in one cell.
    """

    def __init__(self, handle: TextIO, path: Path) -> None:
        self.path = path
        self.read = 0
        self.row_start = 1
        self.longest = 0
        self.ended = False
        self._handle = handle

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self._handle.readline()
        if not line:
            self.ended = True
            raise StopIteration
        self.read += 1
        self.longest = max(self.longest, len(line))
        if self.read - self.row_start >= MAX_LINES_PER_ROW:
            raise _unclosed_quote(self.path, self.row_start, f"runs past {MAX_LINES_PER_ROW} lines")
        return line

    def next_row(self) -> None:
        """The next line read starts a row."""
        self.row_start, self.longest = self.read + 1, 0


def _read_csv(path: Path, stack: ExitStack) -> tuple[tuple[str, ...], Rows]:
    handle = stack.enter_context(path.open(encoding=_encoding_of(path), newline=""))
    lines = _Lines(handle, path)
    # strict: a quoted cell left open at the end of the file is an error, not a silent cell
    # holding every row after it.
    reader = csv.reader(lines, strict=True)
    first = _next_cells(reader, lines)
    if isinstance(first, Unreadable):
        raise InputError(f"{path}, line 1: the header cannot be read: {first.reason}")
    header = tuple(cell.strip() for cell in first or [])
    return header, _csv_rows(reader, lines, header)


def _csv_rows(reader: Iterator[list[str]], lines: _Lines, header: tuple[str, ...]) -> Rows:
    while (cells := _next_cells(reader, lines)) is not None:
        if isinstance(cells, Unreadable):
            yield lines.row_start, cells
        elif any(cell.strip() for cell in cells):
            row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
            yield lines.row_start, row


def _next_cells(reader: Iterator[list[str]], lines: _Lines) -> list[str] | Unreadable | None:
    """The next row's cells; None at the end of the file."""
    lines.next_row()
    try:
        return next(reader, None)
    except csv.Error as error:
        if lines.ended:
            raise _unclosed_quote(lines.path, lines.row_start, "never closes") from None
        if lines.read > lines.row_start:
            # Inside a cell that spans lines: where that cell ends is anyone's guess.
            raise _unclosed_quote(lines.path, lines.row_start, f"is not valid ({error})") from None
        return Unreadable(_unreadable_reason(error, lines.longest))


def _unreadable_reason(error: csv.Error, longest: int) -> str:
    limit = csv.field_size_limit()
    if longest > limit:
        return f"a cell longer than {limit:,} characters; row skipped"
    return (
        f'not valid CSV ({error}): a quote inside a cell must be doubled ("") or the whole '
        "cell quoted; row skipped"
    )


def _unclosed_quote(path: Path, line: int, how: str) -> InputError:
    """The whole file is refused: rows after a runaway quote cannot be told apart."""
    return InputError(
        f"{path}, line {line}: a quoted cell starts in this row and {how}; the rows after "
        'it would be lost. Remove the stray " (or close the quote) and rerun'
    )


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
