"""The HubSpot package's shape: the plugin is SDK-free, and nothing but `build` needs adapter.py."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.scoring_support import ROOT

MODULES = sorted((ROOT / "adapters" / "hubspot").glob("*.py"))
CORE_ALLOWED = {"model", "ports", "errors", "timestamps", "http", "validation"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_naming_the_plugin_does_not_import_the_sdk() -> None:
    check = "import adapters.hubspot, sys; assert 'hubspot' not in sys.modules, 'SDK imported'"
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True)  # noqa: S603


def test_only_the_lazy_build_imports_the_adapter_module() -> None:
    importers = {
        path.name for path in MODULES if "adapters.hubspot.adapter" in imported_modules(path)
    }
    assert importers == {"__init__.py"}


def test_the_package_imports_only_its_own_modules_and_the_allowed_core() -> None:
    for path in MODULES:
        for name in imported_modules(path):
            top, _, rest = name.partition(".")
            if top == "connector":
                assert rest in CORE_ALLOWED, f"{path.name} imports {name}"
            elif top == "adapters":
                assert name.startswith("adapters.hubspot."), f"{path.name} imports {name}"
