"""Bad configuration and bad input: exit 2, a message naming the place, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.cli import main
from tests.cli_support import AS_OF


def _sync(config: Path) -> int:
    return main(["sync", "--config", str(config), "--as-of", AS_OF])


def test_a_config_typo_exits_2_naming_the_key(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(config.read_text(encoding="utf-8").replace("window_days", "window_dayz"))
    assert _sync(config) == 2
    err = capsys.readouterr().err
    assert "scoring.window_dayz" in err
    assert "did you mean 'window_days'" in err
    assert not (config.parent / "out").exists()


def test_a_missing_column_exits_2_naming_file_and_column(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    activities = config.parent / "examples" / "activities.csv"
    text = activities.read_text(encoding="utf-8")
    activities.write_text(text.replace("occurred_at", "when", 1), encoding="utf-8")
    assert _sync(config) == 2
    err = capsys.readouterr().err
    assert "activities.csv" in err
    assert "occurred_at" in err
    assert not (config.parent / "out").exists()


def test_a_missing_input_file_exits_2(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (config.parent / "examples" / "leads.csv").unlink()
    assert _sync(config) == 2
    assert "leads.csv: file not found" in capsys.readouterr().err


def test_a_token_in_the_file_is_refused_without_echoing_it(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "pat-na1-0000-SECRET"
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[hubspot]\naccess_token = "{secret}"\n')
    assert _sync(config) == 2
    err = capsys.readouterr().err
    assert secret not in err
    assert "hubspot" in err
    assert not (config.parent / "out").exists()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 2
    assert "--config" in capsys.readouterr().err


def test_invalid_as_of_exits_2(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--config", str(config), "--as-of", "yesterday"]) == 2
    assert "yesterday" in capsys.readouterr().err


def test_an_unwritable_output_folder_exits_2_naming_it(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = config.parent / "out"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    assert _sync(config) == 2
    err = capsys.readouterr().err
    assert "out" in err
    assert "csv.output_dir" in err


def test_error_messages_show_user_text_as_written(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = config.read_text(encoding="utf-8").replace('label = "展示会来場"', "label = 7", 1)
    config.write_text(text.replace('timezone = "Asia/Tokyo"', 'timezone = "[red]Tokyo[/red]"'))
    assert _sync(config) == 2
    assert "'[red]Tokyo[/red]'" in capsys.readouterr().err
