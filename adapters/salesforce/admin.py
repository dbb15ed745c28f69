"""`leadscore check` and `setup` for Salesforce: what the org lacks for leadscore, and creating it.

`check` logs in, reads the API budget and compares every mapped field with describe.
`setup` creates the result fields and the task key field and grants access to them. A field
created through the API has no field-level security, so it stays invisible to the API (and to
reps) until granted; setup grants read/edit through a permission set rather than a profile,
because rewriting a profile's field permissions can reset the others. Idempotent: what exists
is left alone; `dry_run` only reports what would be done.

Both take the connection, settings and mapping the adapter holds, never the adapter itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.salesforce.client import COLLECTION_LIMIT, ApiBudget, SalesforceConnection
from adapters.salesforce.mapping import ActivitySource, SalesforceMapping, TaskMapping
from adapters.salesforce.settings import SalesforceObject, SalesforceSettings
from adapters.salesforce.soql import equals, is_in, select
from connector.errors import CrmError, FatalCrmError
from connector.ports import CheckItem
from connector.validation import unmapped_hints

NUMBER = frozenset({"double", "int", "currency", "percent", "long"})
TEXT = frozenset({"string", "picklist", "textarea", "combobox", "email", "phone", "url"})
DATETIME = frozenset({"datetime"})
DATE = frozenset({"date"})
#: Long Text Area describes as textarea; a Text field as string.
LONG_TEXT = frozenset({"textarea", "string"})
#: The Long Text Area `leadscore setup` creates for the breakdown (characters).
BREAKDOWN_LENGTH = 32_768
#: Below this a breakdown keeps hardly a rule: `check` refuses a field that short.
BREAKDOWN_MIN_LENGTH = 1_000
REFERENCE = frozenset({"reference", "id"})
ANY: frozenset[str] = frozenset()

PERMISSION_SET = "LeadScore_Connector"
PERMISSION_SET_LABEL = "leadscore connector"

_SETUP_HINT = "missing or invisible: run `leadscore setup` (creates it and grants field access)"

# --- check -------------------------------------------------------------------------------


class Describer:
    """Describes objects once each and resolves field paths through relationships."""

    def __init__(self, connection: SalesforceConnection) -> None:
        self._connection = connection
        self._cache: dict[str, dict[str, Any] | None] = {}

    def describe(self, sobject: str) -> dict[str, Any] | None:
        """The object's describe answer; None when it is unknown or not accessible."""
        if sobject not in self._cache:
            try:
                self._cache[sobject] = self._connection.rest(f"sobjects/{sobject}/describe/")
            except CrmError:
                self._cache[sobject] = None
        return self._cache[sobject]

    def fields(self, sobject: str) -> dict[str, dict[str, Any]] | None:
        """Field descriptions by name; None when the object is unknown or not accessible."""
        described = self.describe(sobject)
        if described is None:
            return None
        return {f["name"]: f for f in described.get("fields", [])}

    def field(self, sobject: str, path: str) -> dict[str, Any] | None:
        """The description of the field at `path` (`Campaign.Type`), following relationships."""
        head, _, rest = path.partition(".")
        fields = self.fields(sobject) or {}
        if not rest:
            return fields.get(head)
        link = next((f for f in fields.values() if f.get("relationshipName") == head), None)
        targets = link.get("referenceTo") if link else None
        return self.field(targets[0], rest) if targets else None


def check_field(
    describer: Describer, sobject: str, path: str, types: frozenset[str], *, write: bool = False
) -> CheckItem:
    """Whether a mapped field exists with a compatible type (and is updateable when written)."""
    subject = f"{sobject}.{path}"
    spec = describer.field(sobject, path)
    if spec is None:
        hint = _SETUP_HINT if write else "no such field (or no access to it): fix the mapping"
        return CheckItem(subject, False, hint)
    kind = str(spec.get("type"))
    if types and kind not in types:
        return CheckItem(subject, False, f"type {kind}, expected one of {sorted(types)}")
    if write and not (spec.get("updateable") or spec.get("createable")):
        return CheckItem(subject, False, f"type {kind} but not writable by this user")
    return CheckItem(subject, True, f"{kind}{', writable' if write else ''}")


def check_salesforce(
    connection: SalesforceConnection, settings: SalesforceSettings, mapping: SalesforceMapping
) -> list[CheckItem]:
    """Login, budget, scored objects, result fields, tasks and activity sources, line by line."""
    try:  # /limits is the first authenticated call: it proves the login too
        daily = connection.rest("limits/")["DailyApiRequests"]
    except CrmError as error:
        return [CheckItem("login", False, str(error))]
    describer = Describer(connection)
    return [
        _login(connection, settings),
        _budget(connection.budget, daily),
        *_objects(describer, settings.objects, mapping),
        *_tasks(describer, mapping.tasks),
        *_sources(describer, settings.objects, mapping.activities),
    ]


def _login(connection: SalesforceConnection, settings: SalesforceSettings) -> CheckItem:
    flow = "access token" if settings.has_session() else settings.renewal_flow()
    return CheckItem("login", True, f"{connection.base_url} ({flow})")


def _budget(budget: ApiBudget, daily: dict[str, Any]) -> CheckItem:
    total, remaining = int(daily["Max"]), int(daily["Remaining"])
    budget.observe(total - remaining, total)
    detail = f"{remaining:,} of {total:,} daily calls left (reserve {budget.reserve:.0%})"
    return CheckItem("API budget", not budget.exhausted(), detail)


def _objects(
    describer: Describer, scored: Sequence[SalesforceObject], mapping: SalesforceMapping
) -> Iterator[CheckItem]:
    results = mapping.write_back
    for sobject in scored:
        objects = mapping.objects[sobject]
        if describer.fields(sobject) is None:
            yield CheckItem(sobject, False, "cannot describe the object: check the user's access")
            continue
        yield from (check_field(describer, sobject, p, ANY) for p in objects.attributes.values())
        yield check_field(describer, sobject, objects.owner, REFERENCE)
        yield check_field(describer, sobject, objects.modified, DATETIME)
        yield from (check_field(describer, sobject, p, ANY) for p in objects.match)
        for path, types in (
            (results.score, NUMBER),
            (results.priority, TEXT),
            (results.reasons, TEXT),
            (results.scored_at, DATETIME),
        ):
            yield check_field(describer, sobject, path, types, write=True)
        if results.breakdown:
            yield _check_breakdown(describer, sobject, results.breakdown)
        if results.next_change_at:
            yield check_field(describer, sobject, results.next_change_at, DATETIME, write=True)
    yield from optional_hints(mapping)


#: The optional result fields: [write_back] key, the name the shipped mapping gives, and
#: what naming it brings.
_OPTIONAL = (
    ("breakdown", "LeadScoreBreakdown__c", "the CRM card's rule-by-rule breakdown"),
    ("next_change_at", "LeadScoreNextChangeAt__c", "when the score next changes by itself"),
)


def optional_hints(mapping: SalesforceMapping) -> list[CheckItem]:
    """A line per optional result field the mapping leaves out: how to turn it on."""
    return unmapped_hints("write_back", mapping.write_back, _OPTIONAL)


def _check_breakdown(describer: Describer, sobject: str, path: str) -> CheckItem:
    """The breakdown field: a text field, writable, long enough to hold a breakdown."""
    item = check_field(describer, sobject, path, LONG_TEXT, write=True)
    if not item.ok:
        return item
    length = field_length(describer.field(sobject, path) or {})
    if length < BREAKDOWN_MIN_LENGTH:
        detail = (
            f"holds {length:,} characters, too few for a breakdown: make it a Long Text Area"
            f"({BREAKDOWN_LENGTH}) or name another field in [write_back] breakdown"
        )
        return CheckItem(item.subject, False, detail)
    note = "" if length >= BREAKDOWN_LENGTH else "; long breakdowns lose their oldest evidence"
    return CheckItem(item.subject, True, f"{item.detail}, {length:,} characters{note}")


def field_length(spec: dict[str, Any]) -> int:
    """A text field's length in characters as describe gives it (0 when it gives none)."""
    try:
        return int(spec.get("length") or 0)
    except (TypeError, ValueError):
        return 0


def breakdown_length(describer: Describer, scored: Sequence[SalesforceObject], path: str) -> int:
    """The breakdown field's length: the shortest over the scored objects, as each holds it."""
    lengths = []
    for sobject in scored:
        length = field_length(describer.field(sobject, path) or {})
        if length <= 0:
            raise FatalCrmError(
                f"{sobject}.{path} ([write_back] breakdown) is not a text field this user can"
                " see: run `leadscore check`, then `leadscore setup`"
            )
        lengths.append(length)
    return min(lengths)


def _tasks(describer: Describer, tasks: TaskMapping) -> Iterator[CheckItem]:
    described = describer.describe("Task")
    if described is None or not described.get("createable"):
        yield CheckItem("Task", False, "this user cannot create tasks: grant Create on Task")
        return
    yield CheckItem("Task", True, "createable")
    yield _picklist(describer, "Status", {tasks.status})
    yield _picklist(describer, "Priority", {*tasks.priorities.values(), tasks.default_priority})
    for path, types in (
        ("WhoId", REFERENCE),
        ("OwnerId", REFERENCE),
        ("Subject", TEXT),
        ("Description", TEXT),
        ("ActivityDate", DATE),
        ("Priority", TEXT),
        ("Status", TEXT),
        (tasks.key_field, TEXT),
    ):
        yield check_field(describer, "Task", path, types, write=True)


def _picklist(describer: Describer, field: str, wanted: set[str]) -> CheckItem:
    """Whether the Task picklist offers every value the mapping uses (orgs configure them)."""
    spec = describer.field("Task", field) or {}
    offered = {v["value"] for v in spec.get("picklistValues", []) if v.get("active", True)}
    missing = sorted(wanted - offered) if offered else []
    if missing:
        return CheckItem(f"Task.{field} values", False, f"{missing} not in the org's picklist")
    return CheckItem(f"Task.{field} values", True, ", ".join(sorted(wanted)))


def _sources(
    describer: Describer, scored: Sequence[SalesforceObject], sources: Sequence[ActivitySource]
) -> Iterator[CheckItem]:
    for source in sources:
        if describer.fields(source.object) is None:
            yield CheckItem(source.object, False, f"{source.name}: cannot describe the object")
            continue
        yield from _source_fields(describer, scored, source)


def _source_fields(
    describer: Describer, scored: Sequence[SalesforceObject], source: ActivitySource
) -> Iterable[CheckItem]:
    leads = [source.lead_field[o] for o in scored if o in source.lead_field]
    time_types = DATE if source.occurred_on else DATETIME | DATE
    plain = [source.modified, *source.match, *source.properties.values()]
    plain += [source.kind_field] if source.kind_field else []
    items = [
        check_field(describer, source.object, path, REFERENCE) for path in dict.fromkeys(leads)
    ]
    items.append(check_field(describer, source.object, source.time_field, time_types))
    items += [check_field(describer, source.object, path, ANY) for path in dict.fromkeys(plain)]
    return items


# --- setup -------------------------------------------------------------------------------


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


def field_plans(scored: Sequence[SalesforceObject], mapping: SalesforceMapping) -> list[FieldPlan]:
    """The custom fields the mapping writes, on each scored object, plus the task key."""
    results = mapping.write_back
    shapes: list[tuple[str, str, dict[str, Any]]] = [
        (results.score, "Lead Score", {"type": "Number", "precision": 6, "scale": 0}),
        (results.priority, "Lead Priority", {"type": "Text", "length": 40}),
        (results.reasons, "Lead Score Reasons", {"type": "Text", "length": 255}),
        (results.scored_at, "Lead Scored At", {"type": "DateTime"}),
    ]
    if results.breakdown:
        long_text = {"type": "LongTextArea", "length": BREAKDOWN_LENGTH, "visibleLines": 10}
        shapes.append((results.breakdown, "Lead Score Breakdown", long_text))
    if results.next_change_at:
        shapes.append((results.next_change_at, "Lead Score Next Change", {"type": "DateTime"}))
    plans = [
        FieldPlan(sobject, sobject, name, {"label": label, **meta})
        for sobject in scored
        for name, label, meta in shapes
    ]
    key = {"label": "leadscore Task Key", "type": "Text", "length": 80, "externalId": True}
    plans.append(FieldPlan("Task", "Activity", mapping.tasks.key_field, key))
    return [plan for plan in plans if plan.name.endswith("__c")]


def setup_salesforce(
    connection: SalesforceConnection,
    settings: SalesforceSettings,
    mapping: SalesforceMapping,
    *,
    dry_run: bool,
) -> list[CheckItem]:
    """Create what is missing (fields, permission set, grants, assignment); one line each."""
    items: list[CheckItem] = []
    try:
        plans = field_plans(settings.objects, mapping)
        existing = _existing_fields(connection, plans)
        items += [_field(connection, plan, existing, dry_run) for plan in plans]
        permission_set, item = _permission_set(connection, dry_run)
        items.append(item)
        items += _grants(connection, permission_set, plans, dry_run)
        items.append(_assignment(connection, settings.username, permission_set, dry_run))
    except CrmError as error:
        items.append(CheckItem("setup", False, str(error)))
    return items


def _existing_fields(connection: SalesforceConnection, plans: Sequence[FieldPlan]) -> set[str]:
    tables = {plan.table for plan in plans}
    query = select(
        "CustomField", ["DeveloperName", "TableEnumOrId"], [is_in("TableEnumOrId", tables)]
    )
    records = connection.tooling_query(query)
    return {f"{r['TableEnumOrId']}.{r['DeveloperName']}__c" for r in records}


def _field(
    connection: SalesforceConnection, plan: FieldPlan, existing: set[str], dry_run: bool
) -> CheckItem:
    if plan.full_name in existing:
        return CheckItem(plan.full_name, True, "exists")
    if dry_run:
        return CheckItem(plan.full_name, True, f"would create {plan.describe()}")
    body = {"FullName": plan.full_name, "Metadata": plan.metadata}
    connection.rest("tooling/sobjects/CustomField/", method="POST", json=body)
    return CheckItem(plan.full_name, True, f"created {plan.describe()}")


def _permission_set(
    connection: SalesforceConnection, dry_run: bool
) -> tuple[str | None, CheckItem]:
    subject = f"permission set {PERMISSION_SET}"
    query = select("PermissionSet", ["Id"], [equals("Name", PERMISSION_SET)])
    found = [str(r["Id"]) for r in connection.query(query)]
    if found:
        return found[0], CheckItem(subject, True, "exists")
    if dry_run:
        return None, CheckItem(subject, True, "would create")
    body = {"Name": PERMISSION_SET, "Label": PERMISSION_SET_LABEL}
    answer = connection.rest("sobjects/PermissionSet/", method="POST", json=body)
    return str(answer["id"]), CheckItem(subject, True, "created")


def _grants(
    connection: SalesforceConnection,
    permission_set: str | None,
    plans: Sequence[FieldPlan],
    dry_run: bool,
) -> Iterator[CheckItem]:
    granted = _granted(connection, permission_set) if permission_set else set()
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
    for start in range(0, len(records), COLLECTION_LIMIT):
        batch = missing[start : start + COLLECTION_LIMIT]
        results = connection.collection("POST", records[start : start + COLLECTION_LIMIT])
        for plan, result in zip(batch, results, strict=True):
            ok = bool(result.get("success"))
            detail = "granted read/edit" if ok else str(result.get("errors"))
            yield CheckItem(f"access {plan.granted_as}", ok, detail)


def _granted(connection: SalesforceConnection, permission_set: str) -> set[str]:
    query = select("FieldPermissions", ["Field"], [equals("ParentId", permission_set)])
    return {str(r["Field"]) for r in connection.query(query)}


def _grant(permission_set: str, plan: FieldPlan) -> dict[str, Any]:
    return {
        "attributes": {"type": "FieldPermissions"},
        "ParentId": permission_set,
        "SobjectType": plan.sobject,
        "Field": plan.granted_as,
        "PermissionsRead": True,
        "PermissionsEdit": True,
    }


def _assignment(
    connection: SalesforceConnection,
    username: str | None,
    permission_set: str | None,
    dry_run: bool,
) -> CheckItem:
    subject = f"{PERMISSION_SET} assigned to {username or 'the integration user'}"
    manual = "assign it in Setup to the integration user and to reps who should see the score"
    if not username:
        return CheckItem(subject, True, f"salesforce.username not set: {manual}")
    users = list(connection.query(select("User", ["Id"], [equals("Username", username)])))
    if not users:
        return CheckItem(subject, False, f"no user {username}: {manual}")
    user = str(users[0]["Id"])
    if permission_set and _assigned(connection, user, permission_set):
        return CheckItem(subject, True, "already assigned")
    if dry_run or permission_set is None:
        return CheckItem(subject, True, "would assign")
    body = {"AssigneeId": user, "PermissionSetId": permission_set}
    connection.rest("sobjects/PermissionSetAssignment/", method="POST", json=body)
    return CheckItem(subject, True, "assigned; also assign it to reps who should see the score")


def _assigned(connection: SalesforceConnection, user: str, permission_set: str) -> bool:
    conditions = [equals("AssigneeId", user), equals("PermissionSetId", permission_set)]
    query = select("PermissionSetAssignment", ["Id"], conditions)
    return any(True for _ in connection.query(query))
