"""`check` and `setup` on HubSpot, and the HubSpot mapping file."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.hubspot.adapter import HubSpotAdapter
from adapters.hubspot.mapping import load_hubspot_mapping
from connector.errors import ConfigError
from connector.ports import ResultFields
from tests.adapters.hubspot.support import MAPPING, Recorder, adapter_on_fake, portal, recorder
from tests.fakes.hubspot import FakePortal
from tests.scoring_support import ROOT

__all__ = ["portal", "recorder"]

SHIPPED_MAPPING = ROOT / "mappings" / "hubspot.toml"
SCOPES = ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.read",
          "crm.schemas.contacts.write", "forms"]  # fmt: skip
STANDARD = ["email", "lastname", "firstname", "company", "industry", "numberofemployees",
            "jobtitle", "hubspot_owner_id", "lastmodifieddate", "leadscore_trade_show"]  # fmt: skip


@pytest.fixture
def standard_portal(portal: FakePortal) -> FakePortal:
    """A fresh portal: HubSpot's standard contact properties, nothing of leadscore's."""
    portal.scopes = SCOPES
    for name in STANDARD:
        portal.properties["contacts"][name] = {"name": name, "type": "string"}
    return portal


def failing(items: list) -> set[str]:  # type: ignore[type-arg]
    return {item.subject for item in items if not item.ok}


def test_check_on_a_fresh_portal_names_what_setup_will_create(
    standard_portal: FakePortal, recorder: Recorder
) -> None:
    items = adapter_on_fake(recorder).check()
    assert failing(items) == {
        "contacts property group leadscore",
        "tasks property group leadscore",
        "contacts property leadscore_score",
        "contacts property leadscore_priority",
        "contacts property leadscore_reasons",
        "contacts property leadscore_scored_at",
        "tasks property leadscore_task_key",
    }
    assert all("leadscore setup" in item.detail for item in items if not item.ok)


def test_setup_dry_run_changes_nothing(standard_portal: FakePortal, recorder: Recorder) -> None:
    items = adapter_on_fake(recorder).setup(dry_run=True)
    assert all(item.ok for item in items)
    assert not standard_portal.groups["contacts"]
    assert "leadscore_score" not in standard_portal.properties["contacts"]
    assert not [call for call in standard_portal.calls if call[0] == "POST"]


def test_setup_creates_what_is_missing_then_check_passes_and_setup_is_a_no_op(
    standard_portal: FakePortal, recorder: Recorder
) -> None:
    adapter = adapter_on_fake(recorder)
    assert all(item.ok for item in adapter.setup(dry_run=False))
    score = standard_portal.properties["contacts"]["leadscore_score"]
    assert (score["type"], score["fieldType"], score["groupName"]) == (
        "number",
        "number",
        "leadscore",
    )
    task_key = standard_portal.properties["tasks"]["leadscore_task_key"]
    assert (task_key["type"], task_key["hasUniqueValue"]) == ("string", True)
    assert failing(adapter.check()) == set()
    again = adapter.setup(dry_run=False)  # every create answers 409
    assert all(item.ok for item in again)
    assert {item.detail.split(" ")[0] for item in again} <= {"already", "exists"}


def test_a_409_on_a_property_of_another_type_is_reported_not_fatal(
    standard_portal: FakePortal, recorder: Recorder
) -> None:
    standard_portal.properties["contacts"]["leadscore_score"] = {
        "name": "leadscore_score", "type": "string", "fieldType": "text",
    }  # fmt: skip
    items = adapter_on_fake(recorder).setup(dry_run=False)
    (wrong,) = [item for item in items if not item.ok]
    assert wrong.subject == "contacts property leadscore_score"
    assert "expected number/number" in wrong.detail


def test_check_reports_missing_scopes(standard_portal: FakePortal, recorder: Recorder) -> None:
    standard_portal.scopes = ["crm.objects.contacts.read"]
    (scopes,) = [i for i in adapter_on_fake(recorder).check() if i.subject == "token scopes"]
    assert not scopes.ok
    assert "crm.objects.contacts.write" in scopes.detail


def test_the_shipped_mapping_loads() -> None:
    mapping = load_hubspot_mapping(SHIPPED_MAPPING)
    assert mapping.attributes["industry"] == "industry"
    assert mapping.results.score == "leadscore_score"
    assert {source.source for source in mapping.activities} == {
        "contact_property", "engagement", "form", "page_views",
    }  # fmt: skip


def test_a_mapping_typo_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "hubspot.toml"
    path.write_text(
        SHIPPED_MAPPING.read_text(encoding="utf-8").replace("value_as =", "value_ass ="),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_hubspot_mapping(path)
    message = str(raised.value)
    assert f"{path}: the mapping is not valid" in message
    key = "activities[0].contact_property.value_ass"
    assert f"{key}: unknown key; did you mean 'value_as'?" in message


def test_check_names_mapped_properties_the_portal_lacks(
    standard_portal: FakePortal, recorder: Recorder
) -> None:
    del standard_portal.properties["contacts"]["leadscore_trade_show"]
    (item,) = [i for i in adapter_on_fake(recorder).check() if "mapped" in i.subject]
    assert not item.ok
    assert "leadscore_trade_show" in item.detail


def test_the_shipped_mapping_owner_is_the_leads_owner_not_an_attribute(tmp_path: Path) -> None:
    # A portal that assigns leads to its own "sales rep" property: edit only the owner line.
    text = SHIPPED_MAPPING.read_text(encoding="utf-8")
    path = tmp_path / "hubspot.toml"
    path.write_text(
        text.replace('owner = "hubspot_owner_id"', 'owner = "sales_rep_owner_id"'),
        encoding="utf-8",
    )
    mapping = load_hubspot_mapping(path)
    assert mapping.owner == "sales_rep_owner_id"
    assert "owner" not in mapping.attributes
    assert "sales_rep_owner_id" in mapping.contact_properties()


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ('owner = "hubspot_owner_id"', "attributes.owner"),
        ('score = "leadscore_score"', "attributes.score"),
        ('activities = "meetings"', "attributes.activities"),
    ],
)
def test_a_mapping_key_filed_under_attributes_by_mistake_is_an_error_saying_where_it_goes(
    tmp_path: Path, line: str, named: str
) -> None:
    path = tmp_path / "hubspot.toml"
    path.write_text(f'[attributes]\nemail = "email"\n{line}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_hubspot_mapping(path)
    message = str(raised.value)
    assert named in message
    assert "[attributes]" in message


def test_check_reports_a_task_key_property_without_unique_values(
    standard_portal: FakePortal, recorder: Recorder
) -> None:
    adapter = adapter_on_fake(recorder)
    adapter.setup(dry_run=False)
    del standard_portal.properties["tasks"]["leadscore_task_key"]["hasUniqueValue"]
    (item,) = [i for i in adapter.check() if i.subject == "tasks property leadscore_task_key"]
    assert not item.ok
    assert "unique" in item.detail


def _shipped_results_adapter(recorder: Recorder) -> HubSpotAdapter:
    """The test mapping with the shipped [results], optional properties included."""
    shipped = load_hubspot_mapping(SHIPPED_MAPPING).results
    return adapter_on_fake(recorder, mapping=MAPPING.model_copy(update={"results": shipped}))


def test_setup_creates_the_breakdown_and_next_change_properties_when_mapped(
    standard_portal: FakePortal, recorder: Recorder
) -> None:
    adapter = _shipped_results_adapter(recorder)
    assert failing(adapter.check()) >= {
        "contacts property leadscore_breakdown",
        "contacts property leadscore_next_change_at",
    }
    assert failing(adapter.setup(dry_run=False)) == set()
    created = standard_portal.properties["contacts"]
    breakdown, next_change = created["leadscore_breakdown"], created["leadscore_next_change_at"]
    assert (breakdown["type"], breakdown["fieldType"]) == ("string", "textarea")
    assert (next_change["type"], next_change["fieldType"]) == ("datetime", "date")
    assert breakdown["groupName"] == next_change["groupName"] == "leadscore"
    checked = {item.subject: item for item in adapter.check()}
    assert "65,536 characters" in checked["contacts property leadscore_breakdown"].detail
    assert failing(checked.values()) == set()
    assert adapter.result_fields() == ResultFields(breakdown_length=65_536, next_change_at=True)


def test_check_names_a_next_change_property_of_the_wrong_type(
    standard_portal: FakePortal, recorder: Recorder
) -> None:
    adapter = _shipped_results_adapter(recorder)
    adapter.setup(dry_run=False)
    standard_portal.properties["contacts"]["leadscore_next_change_at"]["type"] = "string"
    assert "contacts property leadscore_next_change_at" in failing(adapter.check())


def test_a_mapping_without_the_optional_properties_checks_with_a_hint_and_writes_neither(
    standard_portal: FakePortal, recorder: Recorder
) -> None:
    adapter = adapter_on_fake(recorder)  # a [results] from before the properties existed
    adapter.setup(dry_run=False)
    items = adapter.check()
    assert failing(items) == set()
    hints = {item.subject: item.detail for item in items if item.subject.startswith("[")}
    assert 'add `breakdown = "leadscore_breakdown"`' in hints["[results] breakdown"]
    assert "leadscore setup" in hints["[results] next_change_at"]
    assert "leadscore_breakdown" not in standard_portal.properties["contacts"]
    assert adapter.result_fields() == ResultFields()
