"""`check` / `setup` on local files: what each input and the output folder report."""

from __future__ import annotations

from pathlib import Path

from adapters.files.admin import check_local_files, setup_local_files
from connector.errors import InputError
from connector.ports import CheckItem


def _unusable() -> list[str]:
    raise InputError("activities.csv: missing column(s) kind")


def test_check_reports_each_input_then_the_output_folder(tmp_path: Path) -> None:
    inputs = [(tmp_path / "leads.csv", lambda: ["id", "owner"]), (tmp_path / "a.csv", _unusable)]
    assert check_local_files(inputs, tmp_path / "out") == [
        CheckItem("leads.csv", True, "readable; columns id, owner"),
        CheckItem("a.csv", False, "activities.csv: missing column(s) kind"),
        CheckItem(str(tmp_path / "out"), True, "will be created on the first sync"),
    ]


def test_check_says_when_the_output_folder_cannot_be_written(tmp_path: Path) -> None:
    folder = tmp_path / "missing" / "out"
    [item] = check_local_files([], folder)
    assert item == CheckItem(str(folder), False, "not writable: No such file or directory")


def test_setup_creates_the_output_folder_once(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    assert setup_local_files(folder, dry_run=True) == [CheckItem(str(folder), True, "would create")]
    assert not folder.exists()
    assert setup_local_files(folder, dry_run=False) == [CheckItem(str(folder), True, "created")]
    assert setup_local_files(folder, dry_run=False) == [CheckItem(str(folder), True, "exists")]
    assert check_local_files([], folder) == [CheckItem(str(folder), True, "writable")]
