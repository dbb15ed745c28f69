"""compose.yaml: PostgreSQL with volume and healthcheck, the receiver port, secrets from .env."""

from __future__ import annotations

import re
from typing import Any

import yaml

from connector.config import RunSettings
from tests.container_support import exposed_port, state_volume
from tests.scoring_support import ROOT


def compose() -> dict[str, Any]:
    """compose.yaml, parsed."""
    with (ROOT / "compose.yaml").open(encoding="utf-8") as handle:
        parsed: dict[str, Any] = yaml.safe_load(handle)
    return parsed


def example_variables() -> set[str]:
    """The variable names .env.example sets (commented-out ones included)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.M))


def test_postgres_keeps_its_data_on_a_volume_and_reports_health() -> None:
    postgres = compose()["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    (volume,) = postgres["volumes"]
    assert volume.split(":")[0] in compose()["volumes"]


def test_leadscore_waits_for_postgres_and_keeps_state_on_a_volume() -> None:
    leadscore = compose()["services"]["leadscore"]
    assert leadscore["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert leadscore["environment"]["LEADSCORE_STATE__URL"].endswith("@postgres:5432/leadscore")
    named = [v for v in leadscore["volumes"] if v.split(":")[0] in compose()["volumes"]]
    assert [v.split(":")[1] for v in named] == [state_volume()]


def test_the_receiver_port_is_published_on_loopback_by_default() -> None:
    (port,) = compose()["services"]["leadscore"]["ports"]
    assert port.startswith("${PUBLISH_ADDRESS:-127.0.0.1}:")
    assert port.endswith(f":{exposed_port()}")


def test_secrets_come_from_a_git_ignored_env_file_with_an_example() -> None:
    leadscore = compose()["services"]["leadscore"]
    assert leadscore["env_file"] == ".env"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored
    used = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "compose.yaml").read_text(encoding="utf-8")))
    assert used <= example_variables()
    assert {"POSTGRES_PASSWORD", "LEADSCORE_WEBHOOKS__SECRET"} <= example_variables()


def test_no_secret_is_written_into_compose_yaml() -> None:
    environments = [service.get("environment", {}) for service in compose()["services"].values()]
    secrets = [
        value
        for environment in environments
        for key, value in environment.items()
        if re.search(r"PASSWORD|SECRET|TOKEN", key)
    ]
    assert secrets
    assert all(re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", value) for value in secrets)
    url = compose()["services"]["leadscore"]["environment"]["LEADSCORE_STATE__URL"]
    assert ":${POSTGRES_PASSWORD}@" in url


def test_the_grace_period_outlasts_the_stop_timeout() -> None:
    # Killed inside its stop timeout, leadscore could not finish the run in hand.
    grace = compose()["services"]["leadscore"]["stop_grace_period"]
    assert int(grace.removesuffix("s")) > RunSettings().stop_timeout_seconds
