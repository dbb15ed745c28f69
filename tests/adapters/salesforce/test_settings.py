"""The [salesforce] settings and mappings/salesforce.toml: validated, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from adapters.salesforce.mapping import load_salesforce_mapping
from adapters.salesforce.settings import SalesforceSettings
from connector.errors import ConfigError
from tests.adapters.salesforce.support import MAPPING_PATH


def test_the_shipped_mapping_loads() -> None:
    mapping = load_salesforce_mapping(MAPPING_PATH)
    assert mapping.write_back.score == "LeadScore__c"
    assert {s.object for s in mapping.activities} == {"CampaignMember", "Task", "WebVisit__c"}


def test_a_mapping_error_names_the_file_and_the_key(tmp_path: Path) -> None:
    text = MAPPING_PATH.read_text(encoding="utf-8").replace(
        'occurred_at = "VisitedAt__c"', 'occurred_at = "VisitedAt__c; DELETE"'
    )
    path = tmp_path / "salesforce.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_salesforce_mapping(path)
    assert str(path) in str(raised.value)
    assert "activities[2].occurred_at" in str(raised.value)


def test_an_activity_source_needs_one_time_field(tmp_path: Path) -> None:
    text = MAPPING_PATH.read_text(encoding="utf-8").replace(
        'occurred_at = "CreatedDate"', 'occurred_at = "CreatedDate"\noccurred_on = "ActivityDate"'
    )
    path = tmp_path / "salesforce.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="exactly one of occurred_at"):
        load_salesforce_mapping(path)


def test_settings_need_a_way_to_log_in() -> None:
    with pytest.raises(ValidationError, match="LEADSCORE_SALESFORCE__ACCESS_TOKEN"):
        SalesforceSettings(instance_url="https://x.my.salesforce.com")


def test_renewable_credentials_are_preferred_for_renewal() -> None:
    settings = SalesforceSettings(
        instance_url="https://x.my.salesforce.com",
        access_token=SecretStr("t"),
        username="u",
        password=SecretStr("p"),
        security_token=SecretStr("s"),
    )
    assert settings.has_session()
    assert settings.renewal_flow() == "password"


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="budget_reserv"):
        SalesforceSettings(access_token=SecretStr("t"), instance_url="https://x", budget_reserv=0.1)
