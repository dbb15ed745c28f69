"""The CLI on a HubSpot portal (the fake one): setup, check, sync, rerun; the token never shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx

from connector.cli import main
from tests.adapter_contract import ACTIVITIES, HOT, HOT_ACTIVITIES, LEADS, NOW
from tests.adapters.hubspot.support import DOWNLOAD_FORM, SURVEY_FORM, seed
from tests.fakes.hubspot import FakePortal
from tests.scoring_support import ROOT

TOKEN = "test-token"

#: The shipped mapping's sources, with this portal's form ids and page-view dwell property.
MAPPING = f"""
owner = "hubspot_owner_id"

[attributes]
email = "email"
name = ["lastname", "firstname"]
company = "company"
industry = "industry"
title = "jobtitle"

[[activities]]
source = "contact_property"
property = "leadscore_trade_show"
mode = "history"
kind = "trade_show_visit"
value_as = "campaign"

[[activities]]
source = "form"
form_id = "{SURVEY_FORM}"
kind = "form_submit"
campaign = "product-abc-survey"
fields = {{ answer = "survey_status" }}

[[activities]]
source = "form"
form_id = "{DOWNLOAD_FORM}"
kind = "download"
campaign = "product-abc"
fields = {{ channel = "utm_medium" }}

[[activities]]
source = "page_views"
page = "hs_url"
duration_seconds = "hs_dwell_seconds"
"""


@pytest.fixture
def portal(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePortal]:
    monkeypatch.setenv("LEADSCORE_HUBSPOT__ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LEADSCORE_HUBSPOT__EVENTS_API", "true")
    fake = FakePortal(strict_properties=True)  # a portal before `leadscore setup`
    with respx.mock(assert_all_called=False) as router:
        fake.mount(router)
        seed(fake, [*LEADS, HOT], [*ACTIVITIES, *HOT_ACTIVITIES])
        yield fake


@pytest.fixture
def hubspot_config(tmp_path: Path) -> Path:
    (tmp_path / "hubspot.toml").write_text(MAPPING, encoding="utf-8")
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('adapter = "csv"', 'adapter = "hubspot"')
    text = text.replace('mapping = "mappings/csv.toml"', 'mapping = "hubspot.toml"')
    path = tmp_path / "leadscore.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    return code, json.loads(captured.out)


def test_setup_then_sync_scores_contacts_once(
    portal: FakePortal, hubspot_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(hubspot_config)
    code, planned = _run(capsys, "setup", "--config", config, "--dry-run")
    assert code == 0
    assert any("would be created" in item["detail"] for item in planned["items"])
    code, _ = _run(capsys, "setup", "--config", config)
    assert code == 0
    code, again = _run(capsys, "setup", "--config", config)
    assert code == 0
    assert not any(item["detail"] == "created" for item in again["items"])

    as_of = NOW.isoformat()
    code, summary = _run(capsys, "sync", "--config", config, "--as-of", as_of)
    assert code == 0
    assert summary["counts"]["written"] == 4
    assert summary["counts"]["tasks_created"] == 1
    code, rerun = _run(capsys, "sync", "--config", config, "--as-of", as_of, "--full")
    assert code == 0
    assert rerun["counts"]["written"] == rerun["counts"]["tasks_created"] == 0


def test_sync_before_setup_says_to_run_setup(
    portal: FakePortal, hubspot_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--config", str(hubspot_config), "--as-of", NOW.isoformat()])
    err = capsys.readouterr().err
    assert code == 3
    assert "leadscore setup" in err


def test_a_missing_token_exits_2_naming_the_variable(
    hubspot_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADSCORE_HUBSPOT__ACCESS_TOKEN", raising=False)
    assert main(["sync", "--config", str(hubspot_config)]) == 2
    assert "LEADSCORE_HUBSPOT__ACCESS_TOKEN" in capsys.readouterr().err


def test_a_token_with_a_non_ascii_character_exits_2_naming_the_variable(
    hubspot_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A token pasted from a chat or a document, with a full-width letter in it.
    monkeypatch.setenv("LEADSCORE_HUBSPOT__ACCESS_TOKEN", "pat-na1-ｘ123")
    assert main(["sync", "--config", str(hubspot_config)]) == 2
    err = capsys.readouterr().err
    assert "LEADSCORE_HUBSPOT__ACCESS_TOKEN" in err
    assert "ｘ" not in err  # the token is a secret: not even its bad character is echoed
