"""A stateful fake HubSpot portal served through respx.

It keeps objects in memory and behaves like the documented API where the adapter relies on
it: search filters (EQ, NEQ, GT, GTE, LT, LTE, IN, HAS_PROPERTY), sorts, `after` paging with
the 10,000-result cap (400 past it) and 200 per page, batch endpoints capped at 100 inputs (50
with history), 207 multi-status partial failures, `updatedAt` on batch update results, v4
associations, property history, the events API (occurredAfter/occurredBefore) and forms
APIs, properties and groups (409 on duplicates), scripted 429s of either policy and 423s
(a portal locked by a large sync), property validation (dropdown options, deactivated
owners) answered in HubSpot's "Property values were not valid: [...]" shape.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import respx

BASE_URL = "https://api.hubapi.com"
SEARCH_CAP = 10_000
Json = dict[str, Any]


def iso(moment: datetime) -> str:
    """HubSpot's ISO 8601 with milliseconds, in UTC."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _comparable(value: object) -> float | str:
    """Numbers and instants (epoch ms or ISO) compare as numbers, anything else as text."""
    return _comparable_text(str(value))


@functools.lru_cache(maxsize=200_000)
def _comparable_text(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return text


@dataclass
class FakePortal:
    """The portal's state; tests seed it and read it back."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    objects: dict[str, dict[str, Json]] = field(default_factory=lambda: defaultdict(dict))
    history: dict[tuple[str, str, str], list[Json]] = field(default_factory=dict)
    links: dict[tuple[str, str], dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    properties: dict[str, dict[str, Json]] = field(default_factory=lambda: defaultdict(dict))
    groups: dict[str, dict[str, Json]] = field(default_factory=lambda: defaultdict(dict))
    events: list[Json] = field(default_factory=list)
    forms: dict[str, list[Json]] = field(default_factory=lambda: defaultdict(list))
    scopes: list[str] = field(default_factory=list)
    #: Ids whose updates HubSpot refuses, with the message (a 207 naming them).
    refuse: dict[str, str] = field(default_factory=dict)
    #: Ids whose values fail validation, which fails their whole batch (a 400 naming no id).
    invalid: set[str] = field(default_factory=set)
    #: Refuse writes to properties not in `properties` (a portal before `leadscore setup`).
    strict_properties: bool = False
    #: Scripted 429s: policy names, consumed one per request.
    throttle: list[str] = field(default_factory=list)
    #: Scripted server errors: statuses, consumed one per request (after `throttle`).
    outages: list[int] = field(default_factory=list)
    #: The Retry-After header scripted 429s carry (HubSpot does not promise one).
    retry_after: str | None = None
    #: Scripted 423 Locked answers (a large sync holds the portal), consumed one per request.
    locks: int = 0
    #: Owner ids that no longer can take records (deactivated users).
    deactivated_owners: set[str] = field(default_factory=set)
    #: Seconds (of `now`) before a created record shows in search: HubSpot's index lags.
    search_lag_seconds: float = 0.0
    #: Requests that are carried out but whose answer is lost (a 504 from a proxy).
    lose_responses: int = 0
    calls: list[tuple[str, str]] = field(default_factory=list)
    #: Seconds spent answering (the fake's own CPU time; HubSpot's servers in real life).
    service_seconds: float = 0.0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_001))
    _sorted: dict[str, tuple[list[float], list[Json]]] = field(default_factory=dict)
    _index: dict[str, Json] = field(default_factory=dict)
    _index_key: tuple[str, str, int] | None = None
    _event_pages: dict[tuple[str | None, ...], list[Json]] = field(default_factory=dict)
    _indexed_at: dict[tuple[str, str], datetime] = field(default_factory=dict)

    # --- seeding -------------------------------------------------------------------------

    def add(self, object_type: str, properties: Json, record_id: str | None = None) -> str:
        """Store a record as HubSpot would (id, hs_object_id, lastmodifieddate)."""
        record_id = record_id or str(next(self._ids))
        stamp = iso(self.now)
        stored = {"hs_object_id": record_id, "lastmodifieddate": stamp,
                  "hs_lastmodifieddate": stamp, **properties}  # fmt: skip
        self.objects[object_type][record_id] = stored
        if self.search_lag_seconds:
            lag = timedelta(seconds=self.search_lag_seconds)
            self._indexed_at[(object_type, record_id)] = self.now + lag
        for name, value in properties.items():
            self.history[(object_type, record_id, name)] = [{"value": value, "timestamp": stamp}]
        return record_id

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Link two records both ways."""
        self.links[(from_type, to_type)][from_id].add(to_id)
        self.links[(to_type, from_type)][to_id].add(from_id)

    def set_history(self, record_id: str, name: str, changes: list[tuple[datetime, str]]) -> None:
        """A contact property's value history (oldest first); the last value is current."""
        self.history[("contacts", record_id, name)] = [
            {"value": value, "timestamp": iso(at)} for at, value in reversed(changes)
        ]
        record = self.objects["contacts"][record_id]
        record[name] = changes[-1][1]
        # Setting a property touches the contact, as in HubSpot.
        record["lastmodifieddate"] = max(record["lastmodifieddate"], iso(changes[-1][0]))

    # --- routing -------------------------------------------------------------------------

    def mount(self, router: respx.MockRouter) -> None:
        """Serve the portal's endpoints on `router`."""
        routes = [
            ("POST", r"/crm/v3/objects/(?P<kind>\w+)/search", self._search),
            ("POST", r"/crm/v3/objects/(?P<kind>\w+)/batch/read", self._batch_read),
            ("POST", r"/crm/v3/objects/(?P<kind>\w+)/batch/update", self._batch_update),
            ("POST", r"/crm/v3/objects/(?P<kind>\w+)/batch/create", self._batch_create),
            ("POST", r"/crm/v4/associations/(?P<src>\w+)/(?P<dst>\w+)/batch/read", self._links),
            ("GET", r"/crm/v4/associations/(?P<src>\w+)/(?P<dst>\w+)/labels", self._labels),
            ("GET", r"/crm/v3/properties/(?P<kind>\w+)/groups/(?P<name>\w+)", self._get_group),
            ("POST", r"/crm/v3/properties/(?P<kind>\w+)/groups", self._create_group),
            ("GET", r"/crm/v3/properties/(?P<kind>\w+)/(?P<name>\w+)", self._get_property),
            ("GET", r"/crm/v3/properties/(?P<kind>\w+)", self._all_properties),
            ("POST", r"/crm/v3/properties/(?P<kind>\w+)", self._create_property),
            ("GET", r"/events/v3/events/?", self._events),
            ("GET", r"/form-integrations/v1/submissions/forms/(?P<form>[\w-]+)", self._forms),
            ("POST", r"/oauth/v2/private-apps/get/access-token-info", self._token_info),
        ]
        for method, path, handler in routes:
            pattern = rf"^{BASE_URL}{path}(\?.*)?$"
            router.route(method=method, url__regex=pattern).mock(side_effect=self._guard(handler))

    def _guard(self, handler: Any) -> Any:
        def respond(request: httpx.Request, **params: str) -> httpx.Response:
            self.calls.append((request.method, request.url.path))
            if request.headers.get("Authorization") != "Bearer test-token":
                return httpx.Response(401, json={"status": "error", "message": "bad token"})
            if self.throttle:
                return _throttled(self.throttle.pop(0), self.retry_after)
            if self.locks:
                self.locks -= 1
                return _error(423, "The portal is locked by a large sync; retry in 2 seconds")
            if self.outages:
                return _error(self.outages.pop(0), "internal error")
            started = time.perf_counter()
            try:
                response: httpx.Response = handler(request, **params)
            finally:
                self.service_seconds += time.perf_counter() - started
            if self.lose_responses:
                self.lose_responses -= 1
                return _error(504, "gateway timeout")
            return response

        return respond

    # --- objects -------------------------------------------------------------------------

    def _search(self, request: httpx.Request, kind: str) -> httpx.Response:
        body = json.loads(request.content)
        limit = int(body.get("limit", 10))
        after = int(body.get("after") or 0)
        if limit > 200:
            return _error(400, "limit must be at most 200")
        if after + limit > SEARCH_CAP:
            return _error(400, "Search results are limited to 10,000 results")
        for group in body.get("filterGroups", []):
            for condition in group["filters"]:
                if "values" in condition:
                    condition["values"] = {str(value) for value in condition["values"]}
        matches = [
            record
            for record in self._ordered_matches(kind, body, after + limit + 1)
            if self._indexed_at.get((kind, record["hs_object_id"]), self.now) <= self.now
        ]
        page = matches[after : after + limit]
        answer: Json = {"total": len(matches), "results": [self._out(kind, r, body) for r in page]}
        # The scan stops one past the page, so `total` is a lower bound (the adapter ignores it).
        if after + limit < len(matches):
            answer["paging"] = {"next": {"after": str(after + limit)}}
        return httpx.Response(200, json=answer)

    def _ordered_matches(self, kind: str, body: Json, wanted: int) -> list[Json]:
        """Matching records in the requested order; by-id scans start at the keyset."""
        sorts = body.get("sorts") or []
        by_id = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
        ordered = self._by_id(kind) if sorts == by_id else None
        if ordered is None:
            matches = [r for r in self.objects[kind].values() if _matches(r, body)]
            for sort in reversed(sorts):
                matches.sort(key=lambda r, s=sort: _comparable(r.get(s["propertyName"], "")),
                             reverse=sort.get("direction") == "DESCENDING")  # fmt: skip
            return matches
        keys, records = ordered
        start = bisect.bisect_right(keys, _keyset_floor(body)) if keys else 0
        matches = []
        for record in itertools.islice(records, start, None):
            if _matches(record, body):
                matches.append(record)
                if len(matches) == wanted:
                    break
        return matches

    def _by_id(self, kind: str) -> tuple[list[float], list[Json]] | None:
        """The records of `kind` sorted by id; None when some id is not a number."""
        cached = self._sorted.get(kind)
        if cached is None or len(cached[1]) != len(self.objects[kind]):
            if not all(record_id.isdigit() for record_id in self.objects[kind]):
                return None
            pairs = sorted(self.objects[kind].values(), key=_numeric_id)
            cached = ([_numeric_id(r) for r in pairs], pairs)
            self._sorted[kind] = cached
        return cached

    def _batch_read(self, request: httpx.Request, kind: str) -> httpx.Response:
        body = json.loads(request.content)
        cap = 50 if body.get("propertiesWithHistory") else 100
        if len(body["inputs"]) > cap:
            return _error(400, f"at most {cap} inputs")
        id_property = body.get("idProperty")
        if id_property and not self._unique(kind, id_property):
            return _error(400, f"Unable to perform read by non-unique property {id_property}")
        found, missing = [], []
        for item in body["inputs"]:
            record = self._find(kind, str(item["id"]), id_property)
            (found.append(self._out(kind, record, body)) if record else missing.append(item["id"]))
        return _batch_answer(found, {str(i): "Object not found" for i in missing})

    def _unique(self, kind: str, name: str) -> bool:
        """Whether records of `kind` can be read by `name` (email identifies contacts)."""
        if (kind, name) == ("contacts", "email"):
            return True
        return bool(self.properties[kind].get(name, {}).get("hasUniqueValue"))

    def _batch_update(self, request: httpx.Request, kind: str) -> httpx.Response:
        inputs = json.loads(request.content)["inputs"]
        if len(inputs) > 100:
            return _error(400, "at most 100 inputs")
        refusal = self._validate(kind, inputs)
        if refusal is not None:
            return refusal
        done, failed = [], {}
        for item in inputs:
            record_id = str(item["id"])
            if record_id in self.refuse or record_id not in self.objects[kind]:
                failed[record_id] = self.refuse.get(record_id, "Object not found")
                continue
            self._apply(kind, record_id, item["properties"])
            out = self._out(kind, self.objects[kind][record_id], {})
            done.append({**out, "updatedAt": self.objects[kind][record_id]["lastmodifieddate"]})
        return _batch_answer(done, failed)

    def _validate(self, kind: str, inputs: list[Json]) -> httpx.Response | None:
        """A whole-batch 400, as HubSpot answers bad values or unknown properties."""
        for item in inputs:
            unknown = [n for n in item["properties"] if n not in self.properties[kind]]
            if self.strict_properties and unknown:
                message = f'Property "{unknown[0]}" does not exist'
                return _error(400, message, [{"code": "PROPERTY_DOESNT_EXIST", "message": message}])
            if str(item.get("id")) in self.invalid:
                return _error(400, "Property values were not valid")
            invalid = self._invalid_values(kind, item["properties"])
            if invalid:
                return _error(400, invalid_values_message(invalid))
        return None

    def _invalid_values(self, kind: str, properties: Json) -> list[Json]:
        """HubSpot's validation results for values a dropdown lacks or owners it refuses."""
        results = []
        for name, value in properties.items():
            options = self.properties[kind].get(name, {}).get("options")
            if options and value not in {option["value"] for option in options}:
                allowed = ", ".join(option["value"] for option in options)
                text = f"{value} was not one of the allowed options: [{allowed}]"
                results.append(_invalid(name, "INVALID_OPTION", text))
            if isinstance(value, str) and len(value.encode("utf-16-le")) // 2 > TEXT_LIMIT:
                text = f"{name} is {len(value)} characters; the limit is {TEXT_LIMIT}"
                results.append(_invalid(name, "MAX_CHARACTERS", text))
            if name == "hubspot_owner_id" and value in self.deactivated_owners:
                results.append(
                    _invalid(name, "INVALID_OWNER_ID", f"{value} is not a valid owner id")
                )
        return results

    def _batch_create(self, request: httpx.Request, kind: str) -> httpx.Response:
        inputs = json.loads(request.content)["inputs"]
        if len(inputs) > 100:
            return _error(400, "at most 100 inputs")
        created, failed = [], []
        for item in inputs:
            invalid = self._invalid_values(kind, item["properties"])
            if invalid:  # with objectWriteTraceIds, a refused input fails alone (207)
                failed.append((item.get("objectWriteTraceId"), invalid_values_message(invalid)))
                continue
            record_id = self.add(kind, item["properties"])
            for link in item.get("associations", []):
                self.associate(kind, record_id, "contacts", str(link["to"]["id"]))
            out = self._out(kind, self.objects[kind][record_id], {"properties": None})
            created.append({**out, "objectWriteTraceId": item.get("objectWriteTraceId")})
        if not failed:
            return _batch_answer(created, {})
        errors = [
            {"status": "error", "category": "VALIDATION_ERROR", "message": message,
             "context": {"objectWriteTraceId": [trace]}}
            for trace, message in failed
        ]  # fmt: skip
        answer = {
            "status": "COMPLETE",
            "results": created,
            "numErrors": len(errors),
            "errors": errors,
        }
        return httpx.Response(207, json=answer)

    def _apply(self, kind: str, record_id: str, properties: Json) -> None:
        stamp = iso(self.now)
        record = self.objects[kind][record_id]
        for name, value in properties.items():
            record[name] = None if value == "" else value  # HubSpot stores "" as no value
            self.history.setdefault((kind, record_id, name), []).insert(
                0, {"value": value, "timestamp": stamp}
            )
        record["lastmodifieddate"] = stamp

    def _find(self, kind: str, key: str, id_property: str | None) -> Json | None:
        if not id_property:
            return self.objects[kind].get(key)
        index_key = (kind, id_property, len(self.objects[kind]))
        if self._index_key != index_key:
            self._index = {
                str(record.get(id_property, "")).lower(): record
                for record in self.objects[kind].values()
            }
            self._index_key = index_key
        return self._index.get(key.lower())

    def _out(self, kind: str, record: Json, body: Json) -> Json:
        names = body.get("properties")
        shown = record if names is None else {n: record.get(n) for n in names}
        defaults = {"hs_object_id", "lastmodifieddate", "createdate"}
        props = {k: v for k, v in record.items() if k in defaults} | shown
        out: Json = {"id": record["hs_object_id"], "properties": props, "archived": False}
        if body.get("propertiesWithHistory"):
            out["propertiesWithHistory"] = {
                name: self.history.get((kind, record["hs_object_id"], name), [])
                for name in body["propertiesWithHistory"]
            }
        return out

    # --- associations --------------------------------------------------------------------

    def _links(self, request: httpx.Request, src: str, dst: str) -> httpx.Response:
        inputs = json.loads(request.content)["inputs"]
        if len(inputs) > 1000:
            return _error(400, "at most 1000 inputs")
        table = self.links[(src, dst)]
        results = [
            {"from": {"id": str(item["id"])},
             "to": [{"toObjectId": int(t) if t.isdigit() else t,
                     "associationTypes": []} for t in sorted(table[str(item["id"])])]}
            for item in inputs
            if table.get(str(item["id"]))
        ]  # fmt: skip
        return httpx.Response(200, json={"status": "COMPLETE", "results": results})

    def _labels(self, request: httpx.Request, src: str, dst: str) -> httpx.Response:
        if (src, dst) != ("tasks", "contacts"):
            return httpx.Response(200, json={"results": []})
        labels = [{"category": "HUBSPOT_DEFINED", "typeId": 204, "label": None},
                  {"category": "USER_DEFINED", "typeId": 7, "label": "Follow-up"}]  # fmt: skip
        return httpx.Response(200, json={"results": labels})

    # --- properties and groups -----------------------------------------------------------

    def _get_group(self, request: httpx.Request, kind: str, name: str) -> httpx.Response:
        group = self.groups[kind].get(name)
        return httpx.Response(200, json=group) if group else _error(404, "group not found")

    def _create_group(self, request: httpx.Request, kind: str) -> httpx.Response:
        body = json.loads(request.content)
        if body["name"] in self.groups[kind]:
            return _error(409, "group already exists")
        self.groups[kind][body["name"]] = body
        return httpx.Response(201, json=body)

    def _get_property(self, request: httpx.Request, kind: str, name: str) -> httpx.Response:
        prop = self.properties[kind].get(name)
        return httpx.Response(200, json=prop) if prop else _error(404, "property not found")

    def _all_properties(self, request: httpx.Request, kind: str) -> httpx.Response:
        return httpx.Response(200, json={"results": list(self.properties[kind].values())})

    def _create_property(self, request: httpx.Request, kind: str) -> httpx.Response:
        body = json.loads(request.content)
        if body["name"] in self.properties[kind]:
            return _error(409, f"Property named '{body['name']}' already exists")
        if body.get("groupName") not in self.groups[kind]:
            return _error(400, "property group does not exist")
        self.properties[kind][body["name"]] = body
        return httpx.Response(201, json=body)

    # --- events, forms, token ------------------------------------------------------------

    def _events(self, request: httpx.Request) -> httpx.Response:
        query = request.url.params
        matches = self._matching_events(
            query.get("eventType"), query.get("objectId"), query.get("occurredAfter", "0")
        )
        before = query.get("occurredBefore")
        if before is not None:
            matches = [e for e in matches if _comparable(e["occurredAt"]) < _comparable(before)]
        start, limit = int(query.get("after") or 0), int(query.get("limit") or 100)
        answer: Json = {"results": matches[start : start + limit]}
        if start + limit < len(matches):
            answer["paging"] = {"next": {"after": str(start + limit)}}
        return httpx.Response(200, json=answer)

    def _matching_events(
        self, event_type: str | None, object_id: str | None, occurred_after: str
    ) -> list[Json]:
        """Events of a query, kept while the event list does not grow (pages share it)."""
        key = (event_type, object_id, occurred_after, str(len(self.events)))
        if key not in self._event_pages:
            after = _comparable(occurred_after)
            self._event_pages[key] = [
                event for event in self.events
                if event["eventType"] == event_type
                and object_id in (None, event["objectId"])
                and _comparable(event["occurredAt"]) > after
            ]  # fmt: skip
        return self._event_pages[key]

    def _forms(self, request: httpx.Request, form: str) -> httpx.Response:
        query = request.url.params
        newest_first = sorted(self.forms[form], key=lambda s: -int(s["submittedAt"]))
        start, limit = int(query.get("after") or 0), min(int(query.get("limit") or 20), 50)
        answer: Json = {"results": newest_first[start : start + limit]}
        if start + limit < len(newest_first):
            answer["paging"] = {"next": {"after": str(start + limit)}}
        return httpx.Response(200, json=answer)

    def _token_info(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"hubId": 4242, "appId": 7, "scopes": self.scopes})


def _numeric_id(record: Json) -> float:
    return float(record["hs_object_id"])


def _keyset_floor(body: Json) -> float:
    """The `hs_object_id GT x` bound of a single-group query, or -1 when there is none."""
    groups = body.get("filterGroups") or []
    if len(groups) != 1:
        return -1.0
    for condition in groups[0]["filters"]:
        if condition["propertyName"] == "hs_object_id" and condition["operator"] == "GT":
            value = _comparable(condition["value"])
            return value if isinstance(value, float) else -1.0
    return -1.0


def _matches(record: Json, body: Json) -> bool:
    groups = body.get("filterGroups") or [{"filters": []}]
    return any(all(_passes(record, f) for f in group["filters"]) for group in groups)


def _passes(record: Json, condition: Json) -> bool:
    value = record.get(condition["propertyName"])
    operator = condition["operator"]
    if operator == "HAS_PROPERTY":
        return value not in (None, "")
    if value in (None, ""):
        return False
    if operator == "IN":
        return str(value) in condition["values"]
    left, right = _comparable(value), _comparable(condition["value"])
    if type(left) is not type(right):
        left, right = str(value), str(condition["value"])
    compare = {"EQ": left == right, "NEQ": left != right, "GT": left > right, "GTE": left >= right,
               "LT": left < right, "LTE": left <= right}  # fmt: skip
    return compare[operator]


def _batch_answer(results: Iterable[Json], failed: dict[str, str]) -> httpx.Response:
    answer: Json = {"status": "COMPLETE", "results": list(results)}
    if not failed:
        return httpx.Response(200, json=answer)
    answer["numErrors"] = len(failed)
    answer["errors"] = [
        {"status": "error", "category": "VALIDATION_ERROR", "message": message,
         "context": {"ids": [record_id]}}
        for record_id, message in failed.items()
    ]  # fmt: skip
    return httpx.Response(207, json=answer)


#: The most characters a text property takes (HubSpot counts them as UTF-16 code units).
TEXT_LIMIT = 65_536


def _invalid(name: str, code: str, text: str) -> Json:
    return {"isValid": False, "message": text, "error": code, "name": name,
            "localizedErrorMessage": text}  # fmt: skip


def invalid_values_message(results: list[Json]) -> str:
    """HubSpot's message for refused values: the validation results as JSON inside the text."""
    details = json.dumps(results, ensure_ascii=False, separators=(",", ":"))
    return f"Property values were not valid: {details}"


def _error(status: int, message: str, errors: list[Json] | None = None) -> httpx.Response:
    body: Json = {"status": "error", "message": message, "category": "VALIDATION_ERROR"}
    if errors:
        body["errors"] = errors
    return httpx.Response(status, json=body)


def _throttled(policy: str, retry_after: str | None) -> httpx.Response:
    limit = "daily" if policy == "DAILY" else policy.lower()
    body = {"status": "error", "message": f"You have reached your {limit} limit.",
            "errorType": "RATE_LIMIT", "policyName": policy}  # fmt: skip
    headers = {"Retry-After": retry_after} if retry_after else {}
    return httpx.Response(429, json=body, headers=headers)
