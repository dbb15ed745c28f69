"""`leadscore check` and `leadscore setup` for HubSpot: scopes, property group, properties."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapters.hubspot.client import HubSpotCalls, HubSpotRequestError, Json
from adapters.hubspot.mapping import (
    TEXT_PROPERTY_LIMIT,
    ContactPropertySource,
    FormSource,
    HubSpotMapping,
)
from connector.errors import CrmError
from connector.ports import CheckItem
from connector.validation import unmapped_hints

#: Scopes every run needs; form sources add `forms`.
REQUIRED_SCOPES = (
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
)


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """A property leadscore writes: where it lives and the type HubSpot must give it."""

    object_type: str
    name: str
    label: str
    type: str
    field_type: str
    #: Values must be unique, which lets records be read by the property (`idProperty`).
    unique: bool = False
    #: Said after the type when the property is fine (what its size means for leadscore).
    note: str = ""

    def create_request(self, group: str) -> Json:
        """The body of `POST /crm/v3/properties/{objectType}`."""
        request: Json = {
            "name": self.name, "label": self.label, "groupName": group,
            "type": self.type, "fieldType": self.field_type,
        }  # fmt: skip
        if self.unique:
            request["hasUniqueValue"] = True
        return request


def property_specs(mapping: HubSpotMapping) -> list[PropertySpec]:
    """The result properties on contacts and the idempotency key on tasks."""
    results = mapping.results
    specs = [
        PropertySpec("contacts", results.score, "Lead score", "number", "number"),
        PropertySpec("contacts", results.priority, "Lead priority", "string", "text"),
        PropertySpec("contacts", results.reasons, "Lead score reasons", "string", "textarea"),
        PropertySpec("contacts", results.scored_at, "Lead scored at", "datetime", "date"),
        PropertySpec("tasks", results.task_key, "leadscore task key", "string", "text", True),
    ]
    if results.breakdown:
        label, note = "Lead score breakdown", _BREAKDOWN_NOTE
        spec = PropertySpec("contacts", results.breakdown, label, "string", "textarea", note=note)
        specs.append(spec)
    if results.next_change_at:
        label = "Lead score next change"
        specs.append(PropertySpec("contacts", results.next_change_at, label, "datetime", "date"))
    return specs


#: HubSpot gives every text property the same length, so there is no length to check.
_BREAKDOWN_NOTE = (
    f"; holds {TEXT_PROPERTY_LIMIT:,} characters, the bound leadscore cuts the breakdown to"
)
#: The optional result properties: [results] key, the name the shipped mapping gives, and
#: what naming it brings.
_OPTIONAL = (
    ("breakdown", "leadscore_breakdown", "the CRM card's rule-by-rule breakdown"),
    ("next_change_at", "leadscore_next_change_at", "when the score next changes by itself"),
)


def check_hubspot(calls: HubSpotCalls, mapping: HubSpotMapping) -> list[CheckItem]:
    """What the portal lacks for this mapping; changes nothing."""
    items = [_check_scopes(calls, mapping)]
    items += [_check_group(calls, object_type, mapping) for object_type in ("contacts", "tasks")]
    items += [_check_property(calls, spec) for spec in property_specs(mapping)]
    items += optional_hints(mapping)
    items.append(_check_attributes(calls, mapping))
    return items


def optional_hints(mapping: HubSpotMapping) -> list[CheckItem]:
    """A line per optional result field the mapping leaves out: how to turn it on."""
    return unmapped_hints("results", mapping.results, _OPTIONAL)


def setup_hubspot(
    calls: HubSpotCalls, mapping: HubSpotMapping, *, dry_run: bool
) -> list[CheckItem]:
    """Create the property groups and properties that are missing (none when `dry_run`)."""
    items = [_ensure_group(calls, t, mapping, dry_run) for t in ("contacts", "tasks")]
    items += [
        _ensure_property(calls, spec, mapping.results.group, dry_run)
        for spec in property_specs(mapping)
    ]
    return items


def _check_scopes(calls: HubSpotCalls, mapping: HubSpotMapping) -> CheckItem:
    needed = set(REQUIRED_SCOPES)
    if any(isinstance(source, FormSource) for source in mapping.activities):
        needed.add("forms")
    try:
        info = calls.raw(
            "POST", "/oauth/v2/private-apps/get/access-token-info", json={"tokenKey": calls.token}
        )
    except CrmError:
        # Only private-app tokens can be introspected; the checks below still prove access.
        detail = "not verifiable for this kind of token (not a private app); see the checks below"
        return CheckItem("token scopes", True, detail)
    missing = sorted(needed - set(info.get("scopes", [])))
    if missing:
        return CheckItem("token scopes", False, f"add these scopes to the app: {missing}")
    return CheckItem("token scopes", True, f"portal {info.get('hubId')}: all scopes granted")


def _check_group(calls: HubSpotCalls, object_type: str, mapping: HubSpotMapping) -> CheckItem:
    subject = f"{object_type} property group {mapping.results.group}"
    if _get_group(calls, object_type, mapping.results.group) is None:
        return CheckItem(subject, False, "missing: run `leadscore setup`")
    return CheckItem(subject, True, "exists")


def _check_property(calls: HubSpotCalls, spec: PropertySpec) -> CheckItem:
    subject = f"{spec.object_type} property {spec.name}"
    existing = _get_property(calls, spec)
    if existing is None:
        return CheckItem(subject, False, "missing: run `leadscore setup`")
    return _compare(subject, spec, existing)


def _check_attributes(calls: HubSpotCalls, mapping: HubSpotMapping) -> CheckItem:
    body = calls.sdk_call(calls.sdk.properties.get_all, "contacts")
    known = {str(item.get("name")) for item in body.get("results", [])}
    wanted = set(mapping.contact_properties()) - set(mapping.results.shown())
    wanted |= {s.property for s in mapping.activities if isinstance(s, ContactPropertySource)}
    missing = sorted(wanted - known)
    if missing:
        detail = f"not in the portal: {missing}; create them or fix the mapping's names"
        return CheckItem("mapped contact properties", False, detail)
    return CheckItem("mapped contact properties", True, f"all {len(wanted)} exist")


def _ensure_group(
    calls: HubSpotCalls, object_type: str, mapping: HubSpotMapping, dry_run: bool
) -> CheckItem:
    name, label = mapping.results.group, mapping.results.group_label
    subject = f"{object_type} property group {name}"
    if dry_run:
        exists = _get_group(calls, object_type, name) is not None
        return CheckItem(subject, True, "already there" if exists else "would be created")
    request = {"name": name, "label": label, "displayOrder": -1}
    try:
        calls.sdk_call(calls.sdk.groups.create, object_type, request)
    except HubSpotRequestError as error:
        if error.status != 409:
            raise
        return CheckItem(subject, True, "already there")
    return CheckItem(subject, True, "created")


def _ensure_property(
    calls: HubSpotCalls, spec: PropertySpec, group: str, dry_run: bool
) -> CheckItem:
    """Create the property; a 409 means it is already there, and its type is compared."""
    subject = f"{spec.object_type} property {spec.name}"
    if dry_run:
        existing = _get_property(calls, spec)
        if existing is None:
            return CheckItem(subject, True, f"would be created as {spec.type}/{spec.field_type}")
        return _compare(subject, spec, existing)
    try:
        calls.sdk_call(calls.sdk.properties.create, spec.object_type, spec.create_request(group))
    except HubSpotRequestError as error:
        if error.status != 409:
            raise
        return _compare(subject, spec, _get_property(calls, spec) or {})
    return CheckItem(subject, True, f"created as {spec.type}/{spec.field_type}{spec.note}")


def _compare(subject: str, spec: PropertySpec, existing: Json) -> CheckItem:
    """A 409 or an existing property is fine when its type matches; otherwise say how."""
    actual = (existing.get("type"), existing.get("fieldType"))
    if actual[0] != spec.type:
        detail = (
            f"exists as {actual[0]}/{actual[1]}, expected {spec.type}/{spec.field_type}:"
            " rename it in the mapping's [results] or change it in HubSpot"
        )
        return CheckItem(subject, False, detail)
    if spec.unique and not existing.get("hasUniqueValue"):
        detail = (
            "exists without unique values, so tasks are found through the search index, which"
            " lags creation (a rerun right after a lost answer can duplicate a task). HubSpot"
            " cannot make an existing property unique: name a new one in the mapping's"
            " [results] task_key and run `leadscore setup`"
        )
        return CheckItem(subject, False, detail)
    return CheckItem(subject, True, f"exists as {actual[0]}/{actual[1]}{spec.note}")


def _get_group(calls: HubSpotCalls, object_type: str, name: str) -> Json | None:
    return _get_or_none(lambda: calls.sdk_call(calls.sdk.groups.get_by_name, object_type, name))


def _get_property(calls: HubSpotCalls, spec: PropertySpec) -> Json | None:
    get = calls.sdk.properties.get_by_name
    return _get_or_none(lambda: calls.sdk_call(get, spec.object_type, spec.name))


def _get_or_none(read: Callable[[], Json]) -> Json | None:
    """The object read, or None when HubSpot answers 404."""
    try:
        result: Json = read()
    except HubSpotRequestError as error:
        if error.status == 404:
            return None
        raise
    return result
