"""`leadscore setup` for Salesforce: the result fields, the task key field, and their access.

A field created through the API has no field-level security, so it stays invisible to the API
(and to reps) until granted; setup grants read/edit through a permission set rather than a
profile, because rewriting a profile's field permissions can reset the others. Idempotent:
what exists is left alone; `dry_run` only reports what would be done.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.salesforce.soql import equals, is_in, select
from connector.errors import CrmError
from connector.ports import CheckItem

if TYPE_CHECKING:
    from adapters.salesforce.adapter import SalesforceAdapter

PERMISSION_SET = "LeadScore_Connector"
PERMISSION_SET_LABEL = "leadscore connector"


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """One custom field leadscore needs: where it lives, its name and its metadata."""

    sobject: str  # the object whose records carry it (Task for the key field)
    table: str  # the object it is defined on (Activity for task fields)
    name: str
    metadata: dict[str, Any]

    @property
    def full_name(self) -> str:
        """`Table.Field__c`, as the Tooling API names it."""
        return f"{self.table}.{self.name}"

    @property
    def granted_as(self) -> str:
        """`Object.Field__c`, as field permissions name it."""
        return f"{self.sobject}.{self.name}"

    def describe(self) -> str:
        """A short type description, for the report."""
        meta = self.metadata
        size = meta.get("length") or meta.get("precision")
        return f"{meta['type']}({size})" if size else str(meta["type"])


def field_plans(adapter: SalesforceAdapter) -> list[FieldPlan]:
    """The custom fields the mapping writes, on each scored object, plus the task key."""
    results = adapter.mapping.write_back
    shapes: list[tuple[str, str, dict[str, Any]]] = [
        (results.score, "Lead Score", {"type": "Number", "precision": 6, "scale": 0}),
        (results.priority, "Lead Priority", {"type": "Text", "length": 40}),
        (results.reasons, "Lead Score Reasons", {"type": "Text", "length": 255}),
        (results.scored_at, "Lead Scored At", {"type": "DateTime"}),
    ]
    plans = [
        FieldPlan(sobject, sobject, name, {"label": label, **meta})
        for sobject in adapter.settings.objects
        for name, label, meta in shapes
    ]
    key = {"label": "leadscore Task Key", "type": "Text", "length": 80, "externalId": True}
    plans.append(FieldPlan("Task", "Activity", adapter.mapping.tasks.key_field, key))
    return [plan for plan in plans if plan.name.endswith("__c")]


def setup_salesforce(adapter: SalesforceAdapter, *, dry_run: bool) -> list[CheckItem]:
    """Create what is missing (fields, permission set, grants, assignment); one line each."""
    items: list[CheckItem] = []
    try:
        plans = field_plans(adapter)
        existing = _existing_fields(adapter, plans)
        items += [_field(adapter, plan, existing, dry_run) for plan in plans]
        permission_set, item = _permission_set(adapter, dry_run)
        items.append(item)
        items += _grants(adapter, permission_set, plans, dry_run)
        items.append(_assignment(adapter, permission_set, dry_run))
    except CrmError as error:
        items.append(CheckItem("setup", False, str(error)))
    return items


def _existing_fields(adapter: SalesforceAdapter, plans: Sequence[FieldPlan]) -> set[str]:
    tables = {plan.table for plan in plans}
    query = select(
        "CustomField", ["DeveloperName", "TableEnumOrId"], [is_in("TableEnumOrId", tables)]
    )
    records = adapter.connection.tooling_query(query)
    return {f"{r['TableEnumOrId']}.{r['DeveloperName']}__c" for r in records}


def _field(
    adapter: SalesforceAdapter, plan: FieldPlan, existing: set[str], dry_run: bool
) -> CheckItem:
    if plan.full_name in existing:
        return CheckItem(plan.full_name, True, "exists")
    if dry_run:
        return CheckItem(plan.full_name, True, f"would create {plan.describe()}")
    body = {"FullName": plan.full_name, "Metadata": plan.metadata}
    adapter.connection.rest("tooling/sobjects/CustomField/", method="POST", json=body)
    return CheckItem(plan.full_name, True, f"created {plan.describe()}")


def _permission_set(adapter: SalesforceAdapter, dry_run: bool) -> tuple[str | None, CheckItem]:
    subject = f"permission set {PERMISSION_SET}"
    query = select("PermissionSet", ["Id"], [equals("Name", PERMISSION_SET)])
    found = [str(r["Id"]) for r in adapter.connection.query(query)]
    if found:
        return found[0], CheckItem(subject, True, "exists")
    if dry_run:
        return None, CheckItem(subject, True, "would create")
    body = {"Name": PERMISSION_SET, "Label": PERMISSION_SET_LABEL}
    answer = adapter.connection.rest("sobjects/PermissionSet/", method="POST", json=body)
    return str(answer["id"]), CheckItem(subject, True, "created")


def _grants(
    adapter: SalesforceAdapter,
    permission_set: str | None,
    plans: Sequence[FieldPlan],
    dry_run: bool,
) -> Iterator[CheckItem]:
    granted = _granted(adapter, permission_set) if permission_set else set()
    missing = [plan for plan in plans if plan.granted_as not in granted]
    yield from (
        CheckItem(f"access {p.granted_as}", True, "granted") for p in plans if p not in missing
    )
    if dry_run or permission_set is None:
        yield from (
            CheckItem(f"access {p.granted_as}", True, "would grant read/edit") for p in missing
        )
        return
    records = [_grant(permission_set, plan) for plan in missing]
    for start in range(0, len(records), 200):
        body = {"allOrNone": False, "records": records[start : start + 200]}
        results = adapter.connection.rest("composite/sobjects", method="POST", json=body) or []
        for plan, result in zip(missing[start : start + 200], results, strict=True):
            ok = bool(result.get("success"))
            detail = "granted read/edit" if ok else str(result.get("errors"))
            yield CheckItem(f"access {plan.granted_as}", ok, detail)


def _granted(adapter: SalesforceAdapter, permission_set: str) -> set[str]:
    query = select("FieldPermissions", ["Field"], [equals("ParentId", permission_set)])
    return {str(r["Field"]) for r in adapter.connection.query(query)}


def _grant(permission_set: str, plan: FieldPlan) -> dict[str, Any]:
    return {
        "attributes": {"type": "FieldPermissions"},
        "ParentId": permission_set,
        "SobjectType": plan.sobject,
        "Field": plan.granted_as,
        "PermissionsRead": True,
        "PermissionsEdit": True,
    }


def _assignment(adapter: SalesforceAdapter, permission_set: str | None, dry_run: bool) -> CheckItem:
    username = adapter.settings.username
    subject = f"{PERMISSION_SET} assigned to {username or 'the integration user'}"
    manual = "assign it in Setup to the integration user and to reps who should see the score"
    if not username:
        return CheckItem(subject, True, f"salesforce.username not set: {manual}")
    users = list(adapter.connection.query(select("User", ["Id"], [equals("Username", username)])))
    if not users:
        return CheckItem(subject, False, f"no user {username}: {manual}")
    user = str(users[0]["Id"])
    if permission_set and _assigned(adapter, user, permission_set):
        return CheckItem(subject, True, "already assigned")
    if dry_run or permission_set is None:
        return CheckItem(subject, True, "would assign")
    body = {"AssigneeId": user, "PermissionSetId": permission_set}
    adapter.connection.rest("sobjects/PermissionSetAssignment/", method="POST", json=body)
    return CheckItem(subject, True, "assigned; also assign it to reps who should see the score")


def _assigned(adapter: SalesforceAdapter, user: str, permission_set: str) -> bool:
    conditions = [equals("AssigneeId", user), equals("PermissionSetId", permission_set)]
    query = select("PermissionSetAssignment", ["Id"], conditions)
    return any(True for _ in adapter.connection.query(query))
