"""A copy of the example project in a temporary folder, and the CLI run in-process."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from connector.cli import main
from tests.scoring_support import ROOT

AS_OF = "2026-11-20T18:00:00+09:00"


def copy_example(folder: Path) -> Path:
    """config.example.toml, mappings/ and examples/ copied into `folder`; the config's path."""
    shutil.copy(ROOT / "config.example.toml", folder / "config.toml")
    shutil.copytree(ROOT / "mappings", folder / "mappings")
    shutil.copytree(ROOT / "examples", folder / "examples", ignore=shutil.ignore_patterns("out"))
    return folder / "config.toml"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    """Run the CLI with --json; its exit code and the JSON it printed."""
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV the connector wrote (UTF-8 with BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))
