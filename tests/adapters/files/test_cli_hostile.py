"""The embedded default under hostile input, as a user meets it through `leadscore`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import run_json


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
