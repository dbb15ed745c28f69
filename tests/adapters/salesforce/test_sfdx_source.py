"""The SFDX source in crm-apps/salesforce sets an org up exactly as `leadscore setup` does.

An admin may deploy the fields, the permission set and the card with `sf project deploy start`
instead of running `leadscore setup`; either way the org must end up with the same field
definitions and grants, or the sync writes into fields of the wrong size.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import parse

from adapters.salesforce.admin import PERMISSION_SET, PERMISSION_SET_LABEL, FieldPlan, field_plans
from adapters.salesforce.mapping import load_salesforce_mapping
from adapters.salesforce.settings import SalesforceObject
from tests.adapters.salesforce.support import MAPPING_PATH
from tests.scoring_support import ROOT, example_rules

SOURCE = ROOT / "crm-apps" / "salesforce" / "force-app" / "main" / "default"
CARD = SOURCE / "lwc" / "leadScoreCard" / "leadScoreCard.js"
NS = "{http://soap.sforce.com/2006/04/metadata}"

#: An org may score Leads or Contacts; setup creates the result fields on each configured one.
SCORED: list[SalesforceObject] = ["Lead", "Contact"]

#: The CustomField elements setup's metadata sets, with their defaults when it leaves one out.
COMPARED: dict[str, Any] = {
    "type": None,
    "label": None,
    "length": None,
    "precision": None,
    "scale": None,
    "visibleLines": None,
    "externalId": False,
    "unique": False,
}
NUMBERS = {"length", "precision", "scale", "visibleLines"}
FLAGS = {"externalId", "unique"}


def setup_plans() -> dict[str, FieldPlan]:
    """What `leadscore setup` creates for the shipped mapping, by `Table.Field__c`."""
    mapping = load_salesforce_mapping(MAPPING_PATH)
    return {plan.full_name: plan for plan in field_plans(SCORED, mapping)}


def root_of(path: Path) -> Element:
    """The root element of a metadata file."""
    root: Element | None = parse(path).getroot()
    assert root is not None, f"{path} has no root element"
    return root


def child_text(element: Element, tag: str) -> str | None:
    """The text of a direct child element, None when absent."""
    found = element.find(f"{NS}{tag}")
    return None if found is None else found.text


def sfdx_fields() -> dict[str, dict[str, Any]]:
    """Every custom field in the SFDX source, by `Table.Field__c`, as comparable values."""
    fields: dict[str, dict[str, Any]] = {}
    for path in sorted(SOURCE.glob("objects/*/fields/*.field-meta.xml")):
        table, name = path.parent.parent.name, path.name.removesuffix(".field-meta.xml")
        fields[f"{table}.{name}"] = comparable_xml(root_of(path))
    return fields


def comparable_xml(root: Element) -> dict[str, Any]:
    """The compared elements of a CustomField file, typed as setup's metadata types them."""
    values: dict[str, Any] = {}
    for tag, default in COMPARED.items():
        text = child_text(root, tag)
        if text is None:
            values[tag] = default
        elif tag in NUMBERS:
            values[tag] = int(text)
        elif tag in FLAGS:
            values[tag] = text == "true"
        else:
            values[tag] = text
    return values


def comparable_plan(plan: FieldPlan) -> dict[str, Any]:
    """The compared elements of setup's metadata for one field."""
    return {tag: plan.metadata.get(tag, default) for tag, default in COMPARED.items()}


def test_the_source_defines_every_field_setup_creates_with_the_same_definition() -> None:
    defined = sfdx_fields()
    differences = {
        name: {"setup": comparable_plan(plan), "sfdx": defined.get(name)}
        for name, plan in setup_plans().items()
        if defined.get(name) != comparable_plan(plan)
    }
    assert differences == {}


def test_the_source_defines_no_field_setup_does_not_create() -> None:
    extra = set(sfdx_fields()) - set(setup_plans())
    assert extra == set()


def test_the_source_has_the_result_fields_on_both_objects_and_the_key_on_activity() -> None:
    with MAPPING_PATH.open("rb") as handle:
        shipped = tomllib.load(handle)
    defined = set(sfdx_fields())
    named = {f"{table}.{name}" for table in SCORED for name in shipped["write_back"].values()}
    named.add(f"Activity.{shipped['tasks']['key_field']}")
    assert named - defined == set()
    assert defined - named == set()


def granted_fields() -> dict[str, tuple[bool, bool]]:
    """The permission set's field permissions: (readable, editable) by `Object.Field__c`."""
    root = root_of(SOURCE / "permissionsets" / f"{PERMISSION_SET}.permissionset-meta.xml")
    return {
        str(child_text(grant, "field")): (
            child_text(grant, "readable") == "true",
            child_text(grant, "editable") == "true",
        )
        for grant in root.iter(f"{NS}fieldPermissions")
    }


def test_the_permission_set_is_the_one_setup_creates() -> None:
    root = root_of(SOURCE / "permissionsets" / f"{PERMISSION_SET}.permissionset-meta.xml")
    assert child_text(root, "label") == PERMISSION_SET_LABEL


def test_the_permission_set_grants_read_and_edit_on_exactly_the_defined_fields() -> None:
    granted = granted_fields()
    assert {plan.granted_as: (True, True) for plan in setup_plans().values()}.items() <= (
        granted.items()
    )
    # Task fields are defined on Activity but granted as Task.
    defined = {name.replace("Activity.", "Task.", 1) for name in sfdx_fields()}
    assert granted == dict.fromkeys(defined, (True, True))


def follow_up_band() -> str:
    """The label of the example rules' follow-up band."""
    (band,) = [band.label for band in example_rules().bands if band.follow_up]
    return band


@pytest.mark.parametrize("sobject", SCORED)
def test_the_follow_up_list_view_shows_my_records_in_the_follow_up_band(sobject: str) -> None:
    path = SOURCE / "objects" / sobject / "listViews" / "LeadScore_Follow_Up_Now.listView-meta.xml"
    root = root_of(path)
    mapping = load_salesforce_mapping(MAPPING_PATH)
    filters = [
        (child_text(f, "field"), child_text(f, "operation"), child_text(f, "value"))
        for f in root.iter(f"{NS}filters")
    ]
    assert child_text(root, "filterScope") == "Mine"
    assert filters == [(mapping.write_back.priority, "equals", follow_up_band())]
    # ListView metadata has no sort order: the score comes first so a rep sorts with one click.
    columns = [column.text for column in root.iter(f"{NS}columns")]
    assert columns[0] == mapping.write_back.score


def test_the_card_reads_only_fields_the_source_defines() -> None:
    read = set(re.findall(r"'(\w+__c)'", CARD.read_text(encoding="utf-8")))
    lead_fields = {name.removeprefix("Lead.") for name in sfdx_fields() if name.startswith("Lead.")}
    assert read == lead_fields
