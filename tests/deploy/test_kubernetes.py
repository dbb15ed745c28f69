"""The Kubernetes example: valid YAML, and probes, port, user and mounts that match the image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.cli import main
from connector.config import RunSettings
from tests.container_support import exposed_port, state_volume, user_id
from tests.scoring_support import ROOT

KUBERNETES = ROOT / "deploy" / "kubernetes"
REQUIRED = ("apiVersion", "kind", "metadata")


def documents() -> list[dict[str, Any]]:
    """Every object in every YAML file of the example."""
    found: list[dict[str, Any]] = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            found += [document for document in yaml.safe_load_all(handle) if document]
    return found


def one(kind: str) -> dict[str, Any]:
    """The example's one object of `kind`."""
    (found,) = [document for document in documents() if document["kind"] == kind]
    return found


def pod_specs() -> list[dict[str, Any]]:
    """The pod templates of the Deployment and the CronJob."""
    return [
        one("Deployment")["spec"]["template"]["spec"],
        one("CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"],
    ]


def test_every_file_is_kubernetes_objects() -> None:
    paths = sorted(KUBERNETES.glob("*.yaml"))
    assert {path.name for path in paths} >= {"deployment.yaml", "configmap.yaml", "cronjob.yaml"}
    for document in documents():
        assert all(key in document for key in REQUIRED), document
        assert document["metadata"]["name"].startswith("leadscore")


def test_the_probes_ask_healthz_on_the_image_port() -> None:
    (container,) = one("Deployment")["spec"]["template"]["spec"]["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": exposed_port()}
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    (port,) = one("Service")["spec"]["ports"]
    assert port["targetPort"] == "http"


@pytest.mark.parametrize("index", [0, 1], ids=["deployment", "cronjob"])
def test_pods_run_as_the_image_user_locked_down(index: int) -> None:
    spec = pod_specs()[index]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == user_id()
    (container,) = spec["containers"]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


@pytest.mark.parametrize("index", [0, 1], ids=["deployment", "cronjob"])
def test_config_secret_and_state_are_wired_to_objects_that_exist(index: int) -> None:
    spec = pod_specs()[index]
    (container,) = spec["containers"]
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    assert mounts["/etc/leadscore"] == "config"
    assert state_volume() in mounts
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    config_map = one("ConfigMap")
    items = volumes["config"]["configMap"]["items"]
    assert volumes["config"]["configMap"]["name"] == config_map["metadata"]["name"]
    assert {item["key"] for item in items} <= set(config_map["data"])
    assert "config.toml" in {item["path"] for item in items}
    (source,) = container["envFrom"]
    assert source["secretRef"]["name"] == one("Secret")["metadata"]["name"]


def test_the_secret_example_holds_placeholders_only() -> None:
    values = one("Secret")["stringData"]
    assert all(key.startswith("LEADSCORE_") for key in values)
    assert all("CHANGE-ME" in value or "example" in value for value in values.values())


def test_the_cronjob_runs_a_leadscore_command(capsys: pytest.CaptureFixture[str]) -> None:
    (container,) = pod_specs()[1]["containers"]
    command, *options = container["args"]
    assert options == ["--config", "/etc/leadscore/config.toml"]
    assert main([command, "--help"]) == 0
    assert "--config" in capsys.readouterr().out


def test_the_config_map_config_names_its_mapping(tmp_path: Path) -> None:
    data = one("ConfigMap")["data"]
    assert 'mapping = "mappings/salesforce.toml"' in data["config.toml"]
    assert "salesforce.toml" in data


def test_the_grace_period_outlasts_the_stop_timeout() -> None:
    # Killed inside its stop timeout, leadscore could not finish the run in hand.
    spec = one("Deployment")["spec"]["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] > RunSettings().stop_timeout_seconds
