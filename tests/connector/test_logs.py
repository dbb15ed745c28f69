"""Logs: JSON lines for collectors, and no secret ever in them."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, SecretStr

from connector.cli import main
from connector.logs import (
    _SECRET_PATTERNS,
    configure_logging,
    hide_in_logs,
    scrub_credentials,
    secret_values,
)
from tests.cli_support import AS_OF


class _Crm(BaseModel):
    access_token: SecretStr | None = None
    name: str = "portal"


class _Settings(BaseModel):
    crm: _Crm = _Crm()


def test_a_sync_in_a_container_logs_json_lines_with_its_counts(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(config), "--as-of", AS_OF]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finished = next(line for line in lines if line["message"] == "sync finished")
    assert finished["level"] == "info"
    assert finished["counts"]["written"] == 300
    skipped = [line for line in lines if line["message"].startswith("skipped")]
    assert {line["location"] for line in skipped} == {f"line {n}" for n in range(4086, 4090)}


def test_secret_values_never_reach_a_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    token = "pat-na1-11111111-2222"
    settings = _Settings(crm=_Crm(access_token=SecretStr(token)))
    assert secret_values(settings) == [token]
    configure_logging()
    hide_in_logs(secret_values(settings))
    logger = logging.getLogger("leadscore.test")
    logger.warning("calling with %s", token, extra={"url": f"https://x/?token={token}"})
    err = capsys.readouterr().err
    assert token not in err
    assert "calling with ***" in err
    assert "token=***" in err


_FULL_SCAN = (
    "Bearer abc.def",
    "access_token=t0k",
    "<sf:sessionId>00D!x</sf:sessionId>",
    '"password": "hunter2"',
    "CLIENT_SECRET=s3",
    "assertion=eyJ",
    "sessİonId=x",  # U+0130: re matches it as "i", str.lower() does not
    "paſsword=x",  # U+017F: re matches it as "s"
    "webhook stored",
    '{"message_id": "msg_1", "stored": 1}',
)


@given(st.lists(st.sampled_from(_FULL_SCAN) | st.text(max_size=12), max_size=6))
def test_scrubbing_skips_no_line_the_full_scan_would_change(parts: list[str]) -> None:
    text = " ".join(parts)
    expected = text
    for pattern in _SECRET_PATTERNS:
        expected = pattern.sub(r"\1***", expected)
    assert scrub_credentials(text) == expected


def test_credentials_spelt_with_unicode_case_equivalents_are_still_scrubbed() -> None:
    assert scrub_credentials("sessİonId=00Dx!AQ") == "sessİonId=***"
