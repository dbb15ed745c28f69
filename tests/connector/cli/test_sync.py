"""`leadscore sync` and `explain` on the example project, as a marketing user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connector.cli import main
from tests.cli_support import AS_OF, read_csv, run_json


def test_sync_writes_a_score_for_every_lead_and_tasks_for_high_ones(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert code == 0
    scores = read_csv(config.parent / "out" / "scores.csv")
    tasks = read_csv(config.parent / "out" / "tasks.csv")
    assert len(scores) == summary["counts"]["leads"] == 300
    assert list(scores[0]) == [
        "lead_id", "score", "priority", "reasons", "scored_at", "next_change_at", "breakdown",
    ]  # fmt: skip
    assert all(json.loads(row["breakdown"])["score"] == int(row["score"]) for row in scores)
    assert [int(row["score"]) for row in scores] == sorted(
        (int(row["score"]) for row in scores), reverse=True
    )
    high = {row["lead_id"] for row in scores if row["priority"] == "高"}
    assert {row["lead_id"] for row in tasks} == high
    assert all(int(row["score"]) > 120 for row in scores if row["priority"] == "高")
    assert summary["counts"]["tasks_created"] == len(high) == summary["by_priority"]["高"]


def test_article_leads_get_their_scores(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    scores = {row["lead_id"]: row for row in read_csv(config.parent / "out" / "scores.csv")}
    # L0178, L0211, L0246 are the article's leads A, B and C in the sample data.
    assert [scores[lead]["score"] for lead in ("L0178", "L0211", "L0246")] == ["70", "100", "150"]
    assert scores["L0246"]["priority"] == "高"
    assert scores["L0246"]["scored_at"] == AS_OF


def test_rerun_writes_nothing_and_duplicates_no_task(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    tasks_before = read_csv(config.parent / "out" / "tasks.csv")
    code, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert code == 0
    assert summary["counts"]["changed"] == summary["counts"]["written"] == 0
    assert summary["counts"]["tasks_created"] == 0
    assert read_csv(config.parent / "out" / "tasks.csv") == tasks_before


def test_dry_run_prints_the_plan_and_writes_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF, "--dry-run")
    assert code == 0
    assert not (config.parent / "out").exists()
    assert len(summary["planned"]["writes"]) == 300
    assert {task["lead_id"] for task in summary["planned"]["tasks"]} >= {"L0246"}
    assert summary["counts"]["written"] == 0


def test_bad_activity_rows_are_reported_with_line_and_counted(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert code == 0
    assert summary["counts"]["input_problems"] == 4
    where = {(p["source"], p["location"]) for p in summary["problems"]}
    assert ("activities.csv", "line 4087") in where
    messages = " ".join(p["message"] for p in summary["problems"])
    assert "L9999" in messages
    assert "fax_received" in messages
    assert "2026-13-45" in messages
    assert "duplicate activity id" in messages


def test_a_later_run_lowers_scores_whose_activities_left_the_window(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    code, summary = run_json(
        capsys, "sync", "--config", str(config), "--as-of", "2027-01-31T00:00:00+09:00"
    )
    assert code == 0
    assert summary["mode"] == "incremental"
    # Only leads whose score could change were rescored: fit-only leads kept theirs.
    assert 0 < summary["counts"]["selected"] < 300
    assert summary["by_priority"] == {"低": summary["counts"]["selected"]}
    scores = read_csv(config.parent / "out" / "scores.csv")
    assert {row["priority"] for row in scores} == {"低"}
    assert summary["counts"]["tasks_created"] == 0


def test_explain_lists_every_rule_that_gave_points(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, explained = run_json(
        capsys, "explain", "L0246", "--config", str(config), "--as-of", AS_OF
    )
    assert code == 0
    assert explained["total"] == 150
    assert explained["priority"] == "高"
    assert sum(c["points"] for c in explained["contributions"]) == 150
    rules = {c["rule_id"] for c in explained["contributions"]}
    assert "abc-survey-evaluating" in rules
    assert explained["next_change_at"] is not None
    # Fit rules hold while the attribute does; the first engagement rule to lapse is the change.
    untils = [c["until"] for c in explained["contributions"] if c["dimension"] == "engagement"]
    assert all(c["until"] is None for c in explained["contributions"] if c["dimension"] == "fit")
    assert min(untils) == explained["next_change_at"]


def test_explain_shows_until_when_each_rule_counts_in_local_time(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # a table row on one line
    _, explained = run_json(capsys, "explain", "L0246", "--config", str(config), "--as-of", AS_OF)
    assert main(["explain", "L0246", "--config", str(config), "--as-of", AS_OF]) == 0
    table = capsys.readouterr().out
    assert "counts until" in table
    survey = next(c for c in explained["contributions"] if c["rule_id"] == "abc-survey-evaluating")
    local = datetime.fromisoformat(survey["until"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert local.isoformat(timespec="minutes") in table


def test_explain_an_unknown_lead_exits_2_naming_it(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "L9999", "--config", str(config)]) == 2
    assert "L9999" in capsys.readouterr().err


def test_terminal_output_summarises_in_one_line(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(config), "--as-of", AS_OF]) == 0
    captured = capsys.readouterr()
    assert "scored 300 leads" in captured.out
    assert "activities.csv, line 4086" in captured.err


def test_top_prints_the_call_list_even_into_a_pipe(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(config), "--as-of", AS_OF, "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "Top leads" in out
    assert "L0148" in out


def test_python_dash_m_runs_the_same_cli(config: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "connector", "sync", "--config", str(config), "--dry-run"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "would write" in done.stdout


def test_crm_text_with_brackets_is_shown_as_written(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads = config.parent / "examples" / "leads.csv"
    text = leads.read_text(encoding="utf-8-sig").replace("金子　直美", "金子 [/] 直美", 1)
    leads.write_text(text.replace("Tamba Automotive", "[bold]Tamba Automotive", 1), "utf-8")
    assert main(["sync", "--config", str(config), "--as-of", AS_OF, "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "金子 [/] 直美" in out
    assert "[bold]Tamba" in out


def test_priority_changes_list_the_highest_scores_first_and_skip_a_first_run(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sync", "--config", str(config), "--top", "3"]
    assert main([*argv, "--as-of", AS_OF]) == 0
    assert "Priority changes" not in capsys.readouterr().out  # every lead is new: nothing to say
    assert main([*argv, "--as-of", "2026-12-01T18:00:00+09:00"]) == 0
    changes = capsys.readouterr().out.split("Priority changes", 1)[1]
    rows = [line.split("│") for line in changes.splitlines() if line.startswith("│ L")]
    scores = [int(row[5]) for row in rows]
    assert len(rows) > 1
    assert scores == sorted(scores, reverse=True)
    assert all(row[3].strip() != row[4].strip() for row in rows)  # before differs from now


def test_a_deleted_scores_file_is_written_again_by_a_full_run(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    scores = config.parent / "out" / "scores.csv"
    expected = read_csv(scores)
    scores.unlink()
    _, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF, "--full")
    assert summary["counts"]["written"] == 300
    assert read_csv(scores) == expected


def test_a_new_output_folder_gets_every_result(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    monkeypatch.setenv("LEADSCORE_CSV__OUTPUT_DIR", str(config.parent / "elsewhere"))
    _, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF, "--full")
    assert summary["counts"]["written"] == 300
    assert len(read_csv(config.parent / "elsewhere" / "scores.csv")) == 300


def test_rewrite_writes_everything_on_purpose(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    _, unchanged = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF, "--full")
    _, rewritten = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF, "--rewrite")
    assert unchanged["counts"]["written"] == 0
    assert (rewritten["mode"], rewritten["counts"]["written"]) == ("full", 300)


def _keep_lead_rows(config: Path, rows: int) -> None:
    leads = config.parent / "examples" / "leads.csv"
    lines = leads.read_text(encoding="utf-8").splitlines(keepends=True)
    leads.write_text("".join(lines[: rows + 1]), encoding="utf-8")


@pytest.mark.parametrize("rows", [0, 9])
def test_a_truncated_leads_file_is_refused_with_the_numbers(
    config: Path, capsys: pytest.CaptureFixture[str], rows: int
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    before = read_csv(config.parent / "out" / "scores.csv")
    _keep_lead_rows(config, rows)  # only the header, or 3% of the leads
    code, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert code == 2
    message = summary["error"]["message"]
    assert f"the source holds {rows} leads" in message
    assert "fewer than the 300 of the last successful run" in message
    assert "--allow-shrink" in message
    assert read_csv(config.parent / "out" / "scores.csv") == before


def test_allow_shrink_lets_a_smaller_source_through(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    _keep_lead_rows(config, 100)
    code, summary = run_json(
        capsys, "sync", "--config", str(config), "--as-of", AS_OF, "--allow-shrink"
    )
    assert code == 0
    assert summary["counts"]["population"] == 100


def test_a_source_that_shrank_within_the_limit_runs(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    _keep_lead_rows(config, 200)
    code, _ = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert code == 0


def test_an_incremental_run_writes_back_rows_missing_from_scores_csv(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    scores = config.parent / "out" / "scores.csv"
    rows = read_csv(scores)
    scores.write_text(scores.read_text(encoding="utf-8-sig").splitlines()[0] + "\n")
    _, summary = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert summary["mode"] == "incremental"
    assert summary["counts"]["written"] == 300
    assert read_csv(scores) == rows
