"""`leadscore check` and `leadscore setup` against the fake org."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.salesforce.adapter import SalesforceAdapter
from adapters.salesforce.mapping import load_salesforce_mapping
from connector.ports import CheckItem, ResultFields
from tests.adapters.salesforce.support import MAPPING_PATH, make_adapter, session_settings
from tests.fakes.salesforce import FakeOrg
from tests.fakes.salesforce_schema import RESULT_FIELDS

USER = "sync@example.com"
OPTIONAL = ("breakdown", "next_change_at")


@pytest.fixture
def org() -> Iterator[FakeOrg]:
    org = FakeOrg()
    org.add("User", Username=USER)
    with org.mock():
        yield org


def shipped_adapter() -> SalesforceAdapter:
    mapping = load_salesforce_mapping(MAPPING_PATH)
    return make_adapter(session_settings(username=USER), mapping=mapping)


def problems(items: list[CheckItem]) -> dict[str, str]:
    return {item.subject: item.detail for item in items if not item.ok}


def strip_custom_fields(org: FakeOrg) -> None:
    for field in RESULT_FIELDS:
        del org.schema["Lead"][field]
    del org.schema["Task"]["LeadScoreTaskKey__c"]


def test_check_passes_on_a_ready_org_and_shows_the_budget(org: FakeOrg) -> None:
    org.api_used = 1000
    items = shipped_adapter().check()
    assert problems(items) == {}
    budget = next(item for item in items if item.subject == "API budget")
    assert "998,999 of 1,000,000 daily calls left" in budget.detail
    assert {"Lead.LeadScore__c", "Task.LeadScoreTaskKey__c", "CampaignMember.Campaign.Type"} <= {
        item.subject for item in items
    }


def test_check_names_missing_fields_and_wrong_types(org: FakeOrg) -> None:
    del org.schema["Lead"]["LeadScoreReasons__c"]
    org.schema["Lead"]["LeadScore__c"] = {"type": "string"}
    del org.schema["WebVisit__c"]["Seconds__c"]
    found = problems(shipped_adapter().check())
    assert "leadscore setup" in found["Lead.LeadScoreReasons__c"]
    assert "type string" in found["Lead.LeadScore__c"]
    assert "fix the mapping" in found["WebVisit__c.Seconds__c"]


def test_check_names_task_picklist_values_the_org_lacks(org: FakeOrg) -> None:
    org.schema["Task"]["Status"]["picklistValues"] = [{"value": "未着手", "active": True}]
    found = problems(shipped_adapter().check())
    assert found == {"Task.Status values": "['Not Started'] not in the org's picklist"}


def test_check_flags_a_low_budget(org: FakeOrg) -> None:
    org.api_max, org.api_used = 1000, 900
    assert "API budget" in problems(shipped_adapter().check())


def test_check_reports_a_failed_login(org: FakeOrg) -> None:
    org.expire_sessions()
    (item,) = shipped_adapter().check()
    assert (item.subject, item.ok) == ("login", False)


def test_setup_dry_run_changes_nothing(org: FakeOrg) -> None:
    strip_custom_fields(org)
    items = shipped_adapter().setup(dry_run=True)
    assert problems(items) == {}
    assert any(item.detail == "would create Number(6)" for item in items)
    assert list(org.all("CustomField")) == []
    assert list(org.all("PermissionSet")) == []


def test_setup_creates_fields_with_access_then_check_passes_and_a_rerun_is_a_no_op(
    org: FakeOrg,
) -> None:
    strip_custom_fields(org)
    adapter = shipped_adapter()
    assert problems(adapter.setup(dry_run=False)) == {}
    assert problems(shipped_adapter().check()) == {}
    created = {r["DeveloperName"] for r in org.all("CustomField")}
    assert created == {
        "LeadScore",
        "LeadPriority",
        "LeadScoreReasons",
        "LeadScoredAt",
        "LeadScoreBreakdown",
        "LeadScoreNextChangeAt",
        "LeadScoreTaskKey",
    }
    (assignment,) = org.all("PermissionSetAssignment")
    before = sum(len(table) for table in org.records.values())
    again = shipped_adapter().setup(dry_run=False)
    assert problems(again) == {}
    assert sum(len(table) for table in org.records.values()) == before
    assert assignment["AssigneeId"] == next(org.all("User"))["Id"]


def test_a_field_created_without_access_stays_invisible(org: FakeOrg) -> None:
    del org.schema["Lead"]["LeadScore__c"]
    # created through the Tooling API as an admin might, with no field-level security
    adapter = shipped_adapter()
    adapter.connection.rest(
        "tooling/sobjects/CustomField/",
        method="POST",
        json={"FullName": "Lead.LeadScore__c", "Metadata": {"type": "Number", "label": "S"}},
    )
    assert "Lead.LeadScore__c" in problems(shipped_adapter().check())
    shipped_adapter().setup(dry_run=False)
    assert problems(shipped_adapter().check()) == {}


def test_setup_creates_the_breakdown_as_a_long_text_area_and_check_reads_its_length(
    org: FakeOrg,
) -> None:
    strip_custom_fields(org)
    items = {item.subject: item.detail for item in shipped_adapter().setup(dry_run=False)}
    assert items["Lead.LeadScoreBreakdown__c"] == "created LongTextArea(32768)"
    assert items["Lead.LeadScoreNextChangeAt__c"] == "created DateTime"
    checked = {item.subject: item.detail for item in shipped_adapter().check()}
    assert checked["Lead.LeadScoreBreakdown__c"] == "textarea, writable, 32,768 characters"
    assert checked["Lead.LeadScoreNextChangeAt__c"] == "datetime, writable"
    assert shipped_adapter().result_fields().breakdown_length == 32_768


def test_check_refuses_a_breakdown_field_too_short_and_the_writer_bounds_to_a_shorter_one(
    org: FakeOrg,
) -> None:
    org.schema["Lead"]["LeadScoreBreakdown__c"] = {"type": "textarea", "length": 255}
    found = problems(shipped_adapter().check())
    assert "holds 255 characters, too few" in found["Lead.LeadScoreBreakdown__c"]
    org.schema["Lead"]["LeadScoreBreakdown__c"] = {"type": "textarea", "length": 5_000}
    item = next(i for i in shipped_adapter().check() if i.subject == "Lead.LeadScoreBreakdown__c")
    assert item.ok
    assert "lose their oldest evidence" in item.detail
    assert shipped_adapter().result_fields().breakdown_length == 5_000


def test_check_names_a_breakdown_field_of_the_wrong_type(org: FakeOrg) -> None:
    org.schema["Lead"]["LeadScoreBreakdown__c"] = {"type": "double"}
    org.schema["Lead"]["LeadScoreNextChangeAt__c"] = {"type": "date"}
    found = problems(shipped_adapter().check())
    assert "type double" in found["Lead.LeadScoreBreakdown__c"]
    assert "type date" in found["Lead.LeadScoreNextChangeAt__c"]


def test_a_mapping_without_the_optional_fields_checks_clean_with_a_hint(org: FakeOrg) -> None:
    shipped = load_salesforce_mapping(MAPPING_PATH)
    older = shipped.model_copy(
        update={"write_back": shipped.write_back.model_copy(update=dict.fromkeys(OPTIONAL))}
    )
    for field in ("LeadScoreBreakdown__c", "LeadScoreNextChangeAt__c"):
        del org.schema["Lead"][field]
    adapter = make_adapter(session_settings(username=USER), mapping=older)
    items = adapter.check()
    assert problems(items) == {}
    hints = {item.subject: item.detail for item in items if item.subject.startswith("[")}
    assert 'add `breakdown = "LeadScoreBreakdown__c"`' in hints["[write_back] breakdown"]
    assert "leadscore setup" in hints["[write_back] next_change_at"]
    assert adapter.result_fields() == ResultFields()
    planned = {item.subject for item in adapter.setup(dry_run=True)}
    assert not any("Breakdown" in subject or "NextChange" in subject for subject in planned)
