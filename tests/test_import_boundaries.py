"""The layout's import rules, read from the source: the data flow stays one-way.

- scoring imports, of the project, only `connector.model` (and itself), and of the rest only
  the standard library and pydantic;
- nothing in `connector/` imports `adapters` except the composition root, `compose.py`;
- an adapter imports only its own package and `connector.{model,ports,errors,timestamps,http,
  validation}`, never another adapter;
- inside an adapter package only `__init__.py` (its lazy `build`) imports `adapter.py`, the top;
- SQLAlchemy and Alembic only in `connector/state/` (and its migrations);
- importing the CLI and the plugin table loads no vendor SDK: that waits for `build`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.scoring_support import ROOT

PORT_MODULES = frozenset(
    f"connector.{name}" for name in ("model", "ports", "errors", "timestamps", "http", "validation")
)
DATABASE_PACKAGES = ("sqlalchemy", "alembic")
DATABASE_HOMES = ("connector/state/", "connector/migrations/")
VENDOR_SDKS = ("simple_salesforce", "hubspot", "openpyxl", "jwt")


@dataclass(frozen=True, slots=True)
class Violation:
    """One import the layout forbids."""

    path: str
    line: int
    module: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.module}: {self.rule}"


def imports_of(source: str) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in `source`, type-only ones included."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


def _adapter_of(path: str) -> str | None:
    parts = path.split("/")
    return parts[1] if parts[0] == "adapters" and len(parts) > 2 else None


def _scoring_rule(path: str, module: str) -> str | None:
    if not path.startswith("connector/scoring/"):
        return None
    if _top(module) in ("connector", "adapters"):
        allowed = module == "connector.model" or module.startswith("connector.scoring")
        return None if allowed else "scoring imports only connector.model"
    if _top(module) in sys.stdlib_module_names or _top(module) == "pydantic":
        return None
    return "scoring imports only the standard library and pydantic"


def _core_rule(path: str, module: str) -> str | None:
    inside_core = path.startswith("connector/") and path != "connector/compose.py"
    if inside_core and _top(module) == "adapters":
        return "only connector/compose.py imports adapters"
    return None


def _adapter_rule(path: str, module: str) -> str | None:
    adapter = _adapter_of(path)
    if adapter is None:
        return None
    if _top(module) == "adapters" and not module.startswith(f"adapters.{adapter}"):
        return f"adapters/{adapter} must not import another adapter"
    if _top(module) == "connector" and module not in PORT_MODULES:
        return f"adapters import only {', '.join(sorted(PORT_MODULES))}"
    return None


def _top_module_rule(path: str, module: str) -> str | None:
    adapter = _adapter_of(path)
    if adapter is None or path.endswith("/__init__.py"):
        return None
    if module == f"adapters.{adapter}.adapter":
        return "only the package's __init__.py imports adapter.py"
    return None


def _database_rule(path: str, module: str) -> str | None:
    if _top(module) in DATABASE_PACKAGES and not path.startswith(DATABASE_HOMES):
        return "SQLAlchemy and Alembic only in connector/state"
    return None


RULES = (_scoring_rule, _core_rule, _adapter_rule, _top_module_rule, _database_rule)


def violations(path: str, source: str) -> list[Violation]:
    """Every import of `source` (at `path`, relative to the repo) that a rule forbids."""
    found = []
    for line, module in imports_of(source):
        for rule in RULES:
            broken = rule(path, module)
            if broken is not None:
                found.append(Violation(path, line, module, broken))
    return found


def _project_sources() -> list[Path]:
    return sorted([*(ROOT / "connector").rglob("*.py"), *(ROOT / "adapters").rglob("*.py")])


def test_the_tree_keeps_the_layouts_import_rules() -> None:
    found = []
    for path in _project_sources():
        found += violations(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        ("connector/scoring/engine.py", "import httpx", "standard library and pydantic"),
        ("connector/scoring/engine.py", "from connector.state import StateStore", "only connector"),
        ("connector/sync/pipeline.py", "from adapters.files import PLUGIN", "compose.py"),
        ("connector/cli/commands.py", "import adapters.hubspot", "compose.py"),
        ("adapters/hubspot/read.py", "from adapters.salesforce.soql import select", "another"),
        ("adapters/files/read.py", "from connector.sync import Pipeline", "adapters import only"),
        ("adapters/salesforce/write.py", "from sqlalchemy import select", "connector/state"),
        ("connector/cli/status.py", "import sqlalchemy", "connector/state"),
        ("adapters/hubspot/admin.py", "from adapters.hubspot.adapter import X", "__init__.py"),
        (
            "adapters/hubspot/admin.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from adapters.files import x",
            "another",
        ),
    ],
)
def test_a_forbidden_import_is_caught(path: str, source: str, rule: str) -> None:
    [violation] = violations(path, source)
    assert rule in violation.rule


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("connector/compose.py", "from adapters import files, hubspot, salesforce"),
        ("adapters/hubspot/read.py", "from adapters.hubspot.search import search_all"),
        ("adapters/files/read.py", "from connector.model import Lead"),
        ("adapters/salesforce/__init__.py", "from adapters.salesforce.adapter import build"),
        ("connector/state/store.py", "from sqlalchemy import select"),
        ("connector/scoring/rules.py", "from pydantic import BaseModel\nimport re"),
    ],
)
def test_an_allowed_import_passes(path: str, source: str) -> None:
    assert violations(path, source) == []


def test_the_cli_and_the_plugin_table_load_no_vendor_sdk() -> None:
    # A fresh interpreter: this test session has long imported every SDK.
    probe = (
        "import sys, connector.cli, connector.compose;"
        f"print(' '.join(m for m in {VENDOR_SDKS!r} if m in sys.modules))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""
