"""`leadscore check` / `setup` for local files: inputs readable, output folder writable."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from connector.errors import InputError
from connector.ports import CheckItem

if TYPE_CHECKING:
    from adapters.files.adapter import LocalFilesAdapter


def check_local_files(adapter: LocalFilesAdapter) -> list[CheckItem]:
    """Each input opens with its required columns (after the mapping's renames)."""
    return [
        _check(adapter.leads_path, adapter.lead_header),
        _check(adapter.activities_path, adapter.activity_header),
        _check_writable(adapter.output_dir),
    ]


def setup_local_files(adapter: LocalFilesAdapter, *, dry_run: bool) -> list[CheckItem]:
    """Create the output folder if it is missing."""
    folder = adapter.output_dir
    if folder.is_dir():
        return [CheckItem(str(folder), True, "exists")]
    if not dry_run:
        folder.mkdir(parents=True)
    return [CheckItem(str(folder), True, "would create" if dry_run else "created")]


def _check(path: Path, header_of: Callable[[], list[str]]) -> CheckItem:
    try:
        header = header_of()
    except InputError as error:
        return CheckItem(path.name, False, str(error))
    return CheckItem(path.name, True, f"readable; columns {', '.join(header)}")


def _check_writable(folder: Path) -> CheckItem:
    probe = folder if folder.is_dir() else folder.parent
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as error:
        return CheckItem(str(folder), False, f"not writable: {error.strerror}")
    detail = "writable" if folder.is_dir() else "will be created on the first sync"
    return CheckItem(str(folder), True, detail)
