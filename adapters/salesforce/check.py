"""`leadscore check` for Salesforce: login, API budget, and every mapped field against describe."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from adapters.salesforce.mapping import ActivitySource
from connector.errors import CrmError
from connector.ports import CheckItem

if TYPE_CHECKING:
    from adapters.salesforce.adapter import SalesforceAdapter

NUMBER = frozenset({"double", "int", "currency", "percent", "long"})
TEXT = frozenset({"string", "picklist", "textarea", "combobox", "email", "phone", "url"})
DATETIME = frozenset({"datetime"})
DATE = frozenset({"date"})
REFERENCE = frozenset({"reference", "id"})
ANY: frozenset[str] = frozenset()

_SETUP_HINT = "missing or invisible: run `leadscore setup` (creates it and grants field access)"


class Describer:
    """Describes objects once each and resolves field paths through relationships."""

    def __init__(self, adapter: SalesforceAdapter) -> None:
        self._connection = adapter.connection
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


def check_salesforce(adapter: SalesforceAdapter) -> list[CheckItem]:
    """Login, budget, scored objects, result fields, tasks and activity sources, line by line."""
    try:  # /limits is the first authenticated call: it proves the login too
        daily = adapter.connection.rest("limits/")["DailyApiRequests"]
    except CrmError as error:
        return [CheckItem("login", False, str(error))]
    describer = Describer(adapter)
    return [
        _login(adapter),
        _budget(adapter, daily),
        *_objects(adapter, describer),
        *_tasks(adapter, describer),
        *_sources(adapter, describer),
    ]


def _login(adapter: SalesforceAdapter) -> CheckItem:
    connection = adapter.connection
    flow = "access token" if adapter.settings.has_session() else adapter.settings.renewal_flow()
    return CheckItem("login", True, f"{connection.base_url} ({flow})")


def _budget(adapter: SalesforceAdapter, daily: dict[str, Any]) -> CheckItem:
    total, remaining = int(daily["Max"]), int(daily["Remaining"])
    adapter.budget.observe(total - remaining, total)
    reserve = adapter.budget.reserve
    detail = f"{remaining:,} of {total:,} daily calls left (reserve {reserve:.0%})"
    return CheckItem("API budget", not adapter.budget.exhausted(), detail)


def _objects(adapter: SalesforceAdapter, describer: Describer) -> Iterator[CheckItem]:
    results = adapter.mapping.write_back
    for sobject in adapter.settings.objects:
        objects = adapter.mapping.objects[sobject]
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


def _tasks(adapter: SalesforceAdapter, describer: Describer) -> Iterator[CheckItem]:
    described = describer.describe("Task")
    if described is None or not described.get("createable"):
        yield CheckItem("Task", False, "this user cannot create tasks: grant Create on Task")
        return
    yield CheckItem("Task", True, "createable")
    tasks = adapter.mapping.tasks
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
        (adapter.mapping.tasks.key_field, TEXT),
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


def _sources(adapter: SalesforceAdapter, describer: Describer) -> Iterator[CheckItem]:
    for source in adapter.mapping.activities:
        if describer.fields(source.object) is None:
            yield CheckItem(source.object, False, f"{source.name}: cannot describe the object")
            continue
        yield from _source_fields(adapter, describer, source)


def _source_fields(
    adapter: SalesforceAdapter, describer: Describer, source: ActivitySource
) -> Iterable[CheckItem]:
    leads = [source.lead_field[o] for o in adapter.settings.objects if o in source.lead_field]
    time_types = DATE if source.occurred_on else DATETIME | DATE
    plain = [source.modified, *source.match, *source.properties.values()]
    plain += [source.kind_field] if source.kind_field else []
    items = [
        check_field(describer, source.object, path, REFERENCE) for path in dict.fromkeys(leads)
    ]
    items.append(check_field(describer, source.object, source.time_field, time_types))
    items += [check_field(describer, source.object, path, ANY) for path in dict.fromkeys(plain)]
    return items
