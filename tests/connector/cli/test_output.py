"""What the CLI prints: versions, log options anywhere, JSON errors, no secrets, no repeats."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import httpx
import pytest
import respx
from rich.console import Console

from connector.cli import main
from connector.cli.tables import run_tables
from connector.compose import build_adapter, load_settings, open_state
from connector.sync import Pipeline, RunRequest
from connector.timestamps import parse_as_of
from tests.cli_support import AS_OF, copy_example, run_json
from tests.scoring_support import ROOT

TOKEN = "pat-na1-secret-0123456789"


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "leadscore 0.1.0"


def test_verbose_and_log_format_are_accepted_after_the_command_too(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--config", str(config), "--as-of", AS_OF, "-v", "--log-format", "json"])
    assert code == 0
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert any(event["message"] == "sync finished" for event in events)


def test_text_logs_can_be_chosen_from_the_environment(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADSCORE_LOG_FORMAT", "text")
    assert main(["sync", "--config", str(config), "--as-of", AS_OF, "-v"]) == 0
    assert "INFO leadscore.cli: sync finished" in capsys.readouterr().err


def test_an_unknown_log_format_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--log-format", "xml", "status", "--config", "x.toml"]) == 2
    assert "xml" in capsys.readouterr().err


def test_with_json_a_failure_prints_a_json_error_object(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(config.read_text(encoding="utf-8").replace("window_days", "window_dayz"))
    code, printed = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert code == 2
    assert printed["command"] == "sync"
    assert printed["ok"] is False
    assert printed["error"]["type"] == "ConfigError"
    assert printed["error"]["exit_code"] == 2
    assert "scoring.window_dayz" in printed["error"]["message"]


def test_with_json_the_log_still_says_the_sync_finished(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--config", str(config), "--as-of", AS_OF, "--json"])
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out)["command"] == "sync"
    messages = [json.loads(line)["message"] for line in captured.err.splitlines() if line]
    assert "sync finished" in messages
    assert any(message.startswith("skipped: ") for message in messages)


def test_a_negative_top_is_refused(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--config", str(config), "--as-of", AS_OF, "--top", "-1"]) == 2
    assert "--top" in capsys.readouterr().err


def test_on_a_terminal_each_skipped_row_is_printed_once(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["sync", "--config", str(config), "--as-of", AS_OF]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "skipped" in line]
    assert lines
    assert len(lines) == len(set(lines))  # no WARNING log line repeating the list


@pytest.fixture
def hubspot_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = copy_example(tmp_path)
    text = config.read_text(encoding="utf-8")
    text = text.replace('adapter = "csv"', 'adapter = "hubspot"')
    text = text.replace('mapping = "mappings/csv.toml"', 'mapping = "mappings/hubspot.toml"')
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("LEADSCORE_HUBSPOT__ACCESS_TOKEN", TOKEN)
    return config


@pytest.mark.parametrize("as_json", [False, True])
def test_a_crm_error_echoing_the_token_never_prints_it(
    hubspot_config: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    echo = {"status": "error", "message": f"The token {TOKEN} is not valid (Bearer {TOKEN})"}
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(return_value=httpx.Response(400, json=echo))
        code = main(["check", "--config", str(hubspot_config), *(["--json"] if as_json else [])])
    captured = capsys.readouterr()
    assert code == 3
    assert TOKEN not in captured.out + captured.err
    assert "***" in captured.out + captured.err


def test_a_password_in_the_state_url_of_the_file_is_refused(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://leadscore:hunter22@127.0.0.1:5432/test"
    config.write_text(config.read_text(encoding="utf-8") + f'\n[state]\nurl = "{url}"\n')
    assert main(["status", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "hunter22" not in err
    assert "state.url" in err
    assert "LEADSCORE_STATE__URL" in err


def test_the_readme_documents_the_new_options() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for option in ("--version", "--log-format", "LEADSCORE_LOG_FORMAT"):
        assert option in readme


def _call_list(config: Path, width: int, capsys: pytest.CaptureFixture[str]) -> list[str]:
    settings = load_settings(config)
    adapter = build_adapter(settings, lambda problem: None)
    with open_state(settings, dry_run=True) as store:
        report = Pipeline(settings, adapter, store).run(
            RunRequest(parse_as_of(AS_OF, settings.zone), dry_run=True)
        )
    console = Console(width=width, record=True, file=sys.stdout)
    run_tables(console, report, top=10)
    capsys.readouterr()
    return console.export_text().splitlines()


def _cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def test_at_80_columns_the_call_list_takes_one_line_per_lead(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _call_list(config, 80, capsys)
    top = lines[: lines.index("") if "" in lines else len(lines)]
    assert all(_cells(line) <= 80 for line in lines)
    assert sum(1 for line in top if line.lstrip().startswith("L0")) == 10
    assert any("+50" in line and "…" in line for line in top)  # reasons cut, not wrapped


def test_a_wide_terminal_shows_company_and_owner(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _call_list(config, 200, capsys)
    assert any("company" in line and "owner" in line for line in lines)


def test_the_summary_line_lists_bands_in_their_order(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert list(summary["by_priority"]) == ["高", "中", "低"]
    assert main(["sync", "--config", str(config), "--as-of", AS_OF, "--full"]) == 0
    assert "(高 18, 中 74, 低 208)" in capsys.readouterr().out


def test_no_top_leads_table_when_nothing_was_scored(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert main(["sync", "--config", str(config), "--as-of", AS_OF, "--top", "10"]) == 0
    out = capsys.readouterr().out
    assert "scored 0 leads" in out
    assert "Top leads" not in out


@pytest.mark.parametrize(
    ("command", "named"), [("run", "Sync on [schedule]"), ("sync", "past [safety] max_shrink")]
)
def test_help_keeps_the_config_sections_it_names(
    command: str, named: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Help is rich markup: an unescaped "[schedule]" would vanish as an unknown style tag.
    monkeypatch.setenv("COLUMNS", "200")
    assert main([command, "--help"]) == 0
    assert named in capsys.readouterr().out
