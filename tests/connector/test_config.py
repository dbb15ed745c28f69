"""Loading the configuration: the example, overrides, paths, and errors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.files.mapping import load_csv_mapping
from adapters.hubspot.mapping import load_hubspot_mapping
from adapters.salesforce.mapping import load_salesforce_mapping
from connector.compose import load_settings
from connector.errors import ConfigError
from tests.scoring_support import ROOT


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "leadscore.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _example_text() -> str:
    return (ROOT / "config.example.toml").read_text(encoding="utf-8")


def test_the_example_config_loads_with_the_articles_table() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.crm.adapter == "csv"
    assert settings.timezone == "Asia/Tokyo"
    assert settings.scoring.window_days == 30
    assert [band.label for band in settings.scoring.bands] == ["高", "中", "低"]
    assert settings.scoring.bands[0].above == 120
    points = {
        rule.id: rule.points for rule in [*settings.scoring.fit, *settings.scoring.engagement]
    }
    assert sorted(points.values()) == [10, 10, 20, 20, 30, 40, 50]


LOADERS = {
    "csv.toml": load_csv_mapping,
    "salesforce.toml": load_salesforce_mapping,
    "hubspot.toml": load_hubspot_mapping,
}


@pytest.mark.parametrize(
    "mapping", sorted((ROOT / "mappings").glob("*.toml")), ids=lambda p: p.name
)
def test_every_shipped_mapping_validates_with_its_loader(mapping: Path) -> None:
    assert LOADERS[mapping.name](mapping) is not None


def test_the_shipped_csv_mapping_is_valid() -> None:
    mapping = load_csv_mapping(ROOT / "mappings" / "csv.toml")
    assert mapping.activities.kinds["展示会来場"] == "trade_show_visit"
    assert mapping.leads.columns["会社名"] == "company"


def test_a_mapping_typo_names_the_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "csv.toml"
    path.write_text("[activities]\nkindz = {}\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"(?s)csv.toml: the mapping is not valid.*activities.kindz: unknown key"
    ):
        load_csv_mapping(path)


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, _example_text()))
    assert settings.csv is not None
    assert settings.csv.leads == tmp_path / "examples" / "leads.csv"
    assert settings.crm.mapping == tmp_path / "mappings" / "csv.toml"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_SCORING__WINDOW_DAYS", "45")
    monkeypatch.setenv("LEADSCORE_CSV__OUTPUT_DIR", "results")
    settings = load_settings(_write(tmp_path, _example_text()))
    assert settings.scoring.window_days == 45
    assert settings.csv is not None
    assert settings.csv.output_dir == tmp_path / "results"


def test_a_bad_environment_value_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADSCORE_SCORING__WINDOW_DAYS", "-3")
    with pytest.raises(ConfigError, match="LEADSCORE_SCORING__WINDOW_DAYS"):
        load_settings(_write(tmp_path, _example_text()))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("window_days = 30", "window_days = 'a month'"), "scoring.window_days"),
        (('timezone = "Asia/Tokyo"', 'timezone = "Asia/Tokio"'), "unknown time zone 'Asia/Tokio'"),
        (('adapter = "csv"', 'adapter = "excel"'), "crm.adapter"),
        (("{score}", "{points}"), "follow_up.subject: unknown placeholder(s) points"),
        (("points = 50", "points = 50\nbonus = 5"), "scoring.engagement[4].bonus: unknown key"),
        (("above = 60", "above = 160"), "highest threshold down"),
        (("[csv]", "[csv]\nleadz = 'x.csv'"), "did you mean 'leads'"),
    ],
)
def test_errors_name_the_file_and_the_key(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = _write(tmp_path, _example_text().replace(*change, 1))
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


def test_invalid_toml_gives_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 2"):
        load_settings(_write(tmp_path, 'timezone = "Asia/Tokyo"\n[crm\n'))


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")
