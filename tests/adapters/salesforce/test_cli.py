"""The CLI on a Salesforce org (the fake one): check, sync, rerun; the token never shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.cli import main
from tests.adapter_contract import ACTIVITIES, HOT, HOT_ACTIVITIES, LEADS, NOW
from tests.adapters.salesforce.support import seed
from tests.fakes.salesforce import INSTANCE, FakeOrg
from tests.scoring_support import ROOT

TOKEN = "token-0"


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOrg]:
    monkeypatch.setenv("LEADSCORE_SALESFORCE__INSTANCE_URL", INSTANCE)
    monkeypatch.setenv("LEADSCORE_SALESFORCE__ACCESS_TOKEN", TOKEN)
    org = FakeOrg()
    org.now = NOW
    with org.mock():
        seed(org, [*LEADS, HOT], [*ACTIVITIES, *HOT_ACTIVITIES])
        yield org


#: The test org keeps downloads and survey answers in a custom object, as many orgs do.
MARKETING_SOURCE = """
[[activities]]
name = "marketing activities"
object = "MarketingActivity__c"
lead_field = { Lead = "Lead__c" }
occurred_at = "OccurredAt__c"
kind_field = "Type__c"
kinds = { Download = "download", Survey = "form_submit" }
properties = { campaign = "Campaign__c", channel = "Channel__c", answer = "Answer__c" }
"""


@pytest.fixture
def salesforce_config(tmp_path: Path) -> Path:
    mapping = tmp_path / "salesforce.toml"
    shipped = (ROOT / "mappings" / "salesforce.toml").read_text(encoding="utf-8")
    mapping.write_text(shipped + MARKETING_SOURCE, encoding="utf-8")
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('adapter = "csv"', 'adapter = "salesforce"')
    text = text.replace('mapping = "mappings/csv.toml"', 'mapping = "salesforce.toml"')
    path = tmp_path / "leadscore.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    return code, json.loads(captured.out), captured.err


def test_sync_writes_the_org_once_and_a_rerun_writes_nothing(
    org: FakeOrg, salesforce_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    as_of = NOW.isoformat()
    code, summary, _ = _run(capsys, "sync", "--config", str(salesforce_config), "--as-of", as_of)
    assert code == 0
    assert summary["counts"]["written"] == 4
    assert summary["counts"]["tasks_created"] == 1
    assert summary["api_calls"] > 0
    assert org.get("L9")["LeadPriority__c"] == "高"
    code, again, _ = _run(
        capsys, "sync", "--config", str(salesforce_config), "--as-of", as_of, "--full"
    )
    assert code == 0
    assert again["counts"]["written"] == again["counts"]["tasks_created"] == 0
    assert len(list(org.all("Task"))) == 1


def test_check_reports_every_mapped_field(
    org: FakeOrg, salesforce_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = _run(capsys, "check", "--config", str(salesforce_config))
    subjects = {item["subject"] for item in report["items"]}
    assert any("LeadScore__c" in subject for subject in subjects)
    assert report["ok"]
    assert code == 0


def test_missing_credentials_exit_2_naming_the_variables(
    salesforce_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADSCORE_SALESFORCE__ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("LEADSCORE_SALESFORCE__INSTANCE_URL", raising=False)
    assert main(["sync", "--config", str(salesforce_config)]) == 2
    assert "LEADSCORE_SALESFORCE__ACCESS_TOKEN" in capsys.readouterr().err


def test_check_fails_naming_a_missing_result_field(
    org: FakeOrg, salesforce_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del org.schema["Lead"]["LeadScore__c"]
    code, report, _ = _run(capsys, "check", "--config", str(salesforce_config))
    assert code == 1
    assert not report["ok"]
    failed = [item["subject"] for item in report["items"] if not item["ok"]]
    assert any("LeadScore__c" in subject for subject in failed)


def test_a_non_ascii_token_is_a_config_error_naming_the_variable(
    org: FakeOrg,
    salesforce_config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEADSCORE_SALESFORCE__ACCESS_TOKEN", "00D5g!AQ…pasted")  # an ellipsis
    code = main(["sync", "--config", str(salesforce_config), "--as-of", NOW.isoformat()])
    assert code == 2
    assert "LEADSCORE_SALESFORCE__ACCESS_TOKEN" in capsys.readouterr().err
    assert org.calls() == 0
