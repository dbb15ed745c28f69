"""`leadscore serve`: refuses to start without its secret, and never takes it from the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.cli import main
from tests.cli_support import copy_example


def test_serve_without_the_secret_exits_2_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LEADSCORE_WEBHOOKS__SECRET", raising=False)
    config = copy_example(tmp_path)
    assert main(["serve", "--config", str(config)]) == 2
    assert "LEADSCORE_WEBHOOKS__SECRET" in capsys.readouterr().err
    assert not (tmp_path / ".leadscore").exists()  # refused before the store was opened


def test_a_secret_in_the_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = copy_example(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text + '\n[webhooks]\nsecret = "whsec_c2VjcmV0"\n', encoding="utf-8")
    assert main(["serve", "--config", str(config)]) == 2
    assert "set LEADSCORE_WEBHOOKS__SECRET instead" in capsys.readouterr().err


def test_a_malformed_secret_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEADSCORE_WEBHOOKS__SECRET", "whsec_%%%")
    config = copy_example(tmp_path)
    assert main(["serve", "--config", str(config)]) == 2
    assert "LEADSCORE_WEBHOOKS__SECRET is not" in capsys.readouterr().err
