"""`leadscore check` / `setup` for local files: inputs readable, output folder writable."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from connector.errors import InputError
from connector.ports import CheckItem

#: Reads a file's header after the mapping's renames; raises InputError when it is unusable.
HeaderReader = Callable[[], list[str]]


def check_local_files(
    inputs: Sequence[tuple[Path, HeaderReader]], output_dir: Path
) -> list[CheckItem]:
    """Each input opens with its required columns; the output folder is (or can be) written."""
    return [*(_check(path, header_of) for path, header_of in inputs), _check_writable(output_dir)]


def setup_local_files(output_dir: Path, *, dry_run: bool) -> list[CheckItem]:
    """Create the output folder if it is missing; refuse a file standing where it should be."""
    if output_dir.is_dir():
        return [CheckItem(str(output_dir), True, "exists")]
    blocked = _blocked(output_dir)
    if blocked is not None:
        return [blocked]
    if dry_run:
        return [CheckItem(str(output_dir), True, "would create")]
    try:
        output_dir.mkdir(parents=True)
    except OSError as error:
        return [CheckItem(str(output_dir), False, f"cannot create: {error.strerror}")]
    return [CheckItem(str(output_dir), True, "created")]


def _check(path: Path, header_of: HeaderReader) -> CheckItem:
    try:
        header = header_of()
    except InputError as error:
        return CheckItem(path.name, False, str(error))
    return CheckItem(path.name, True, f"readable; columns {', '.join(header)}")


def _blocked(folder: Path) -> CheckItem | None:
    """An item saying the folder (or a parent) is a file, or None when nothing is in the way."""
    for path in (folder, *folder.parents):
        if path.exists() and not path.is_dir():
            detail = f"{path} is a file, not a folder; set csv.output_dir to a folder"
            return CheckItem(str(folder), False, detail)
    return None


def _check_writable(folder: Path) -> CheckItem:
    blocked = _blocked(folder)
    if blocked is not None:
        return blocked
    probe = folder if folder.is_dir() else folder.parent
    try:
        # A real file, not a permission bit: ACLs and read-only mounts only show when writing.
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as error:
        return CheckItem(str(folder), False, f"not writable: {error.strerror}")
    detail = "writable" if folder.is_dir() else "will be created on the first sync"
    return CheckItem(str(folder), True, detail)
