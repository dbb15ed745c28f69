"""A stateful fake Salesforce org served through respx, behaving as the REST API documents.

- query pages of at most `page_size` (2,000) records with `nextRecordsUrl`; `queryAll` also
  returns deleted records (`IsDeleted = true`), `query` never does;
- every save stamps `SystemModstamp`, `LastModifiedDate` and `LastModifiedById` (the user the
  session runs as, `api_user`; records seeded with `add` are a person's, `person`), and
  `/services/oauth2/userinfo` tells the session's `user_id`;
- sObject Collections capped at 200 records, per-record results in input order, HTTP 200;
- `Sforce-Limit-Info: api-usage=used/max` on every response; `/limits`;
- 401 INVALID_SESSION_ID for an unknown or expired token; SOAP and JWT logins;
- 414 URI_TOO_LONG for a URI over 16,384 bytes (Salesforce help article 000386264);
- 403 REQUEST_LIMIT_EXCEEDED once the daily allowance is spent;
- failures on demand (`fail_next`: a status code or an httpx exception per coming call);
- Tasks refused for an owner who cannot take them: an inactive User (INACTIVE_OWNER_OR_USER)
  or a queue, `00G...` (FIELD_INTEGRITY_EXCEPTION on OwnerId: Tasks cannot belong to queues);
- text fields with a `length` refuse longer values (STRING_TOO_LONG, counted in UTF-16);
- describe (fields created without field-level security stay invisible), Tooling API
  CustomField creation, PermissionSet/FieldPermissions records, Bulk API 2.0 ingest jobs.
"""

from __future__ import annotations

import copy
import html
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import respx

from tests.fakes.salesforce_bulk import FakeBulk
from tests.fakes.salesforce_schema import DEFAULT_SCHEMA, KEY_PREFIXES, Schema
from tests.fakes.soql import SoqlError, matches, parse

INSTANCE = "https://fake.my.salesforce.com"
HOST = "fake.my.salesforce.com"
VERSION = "59.0"
#: The integration user every issued session runs as, and the person who edits in the UI.
API_USER = "0055g00000INTEGRAT"
PERSON = "0055g00000PERSONAL"
#: Salesforce refuses a request whose URI (with its headers) passes 16,384 bytes.
MAX_URI_BYTES = 16_384
DATA = f"/services/data/v{VERSION}/"


def sf_datetime(moment: datetime) -> str:
    """A DateTime as the REST API returns it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json=[{"message": message, "errorCode": code, "fields": []}])


class FakeOrg:
    """An in-memory org: records by object, a schema, an API allowance and a clock."""

    def __init__(self, *, api_max: int = 1_000_000, page_size: int = 2000) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.schema: Schema = copy.deepcopy(DEFAULT_SCHEMA)
        self.hidden_fields: set[str] = set()  # "Lead.X__c" created without FLS
        self.api_used, self.api_max, self.page_size = 0, api_max, page_size
        self.now = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
        self.tokens = {"token-0"}
        self.api_user, self.person = API_USER, PERSON
        self.users = {"sync@example.com": ("pw", "sectok")}
        self.fail_next: list[int | Exception] = []
        self.reject: dict[str, str] = {}  # record id -> validation message on write
        self.requests: list[tuple[str, str]] = []
        self.longest_url = 0
        self.query_sizes: list[int] = []  # totalSize of every query (not query-more) served
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self.bulk = FakeBulk(self._update)

    # --- seeding and inspection -----------------------------------------------------------

    def add(self, sobject: str, record_id: str | None = None, **fields: Any) -> str:
        """Store a record (its id generated unless given) as `person` saves it; returns the id."""
        record_id = record_id or self._new_id(sobject)
        record = {"CreatedDate": sf_datetime(self.now), **self._stamps(self.person), **fields}
        self.records[sobject][record_id] = {**record, "Id": record_id}
        return record_id

    def edit(self, record_id: str, *, by: str | None = None, **fields: Any) -> None:
        """Change a record as `by` (a person unless told) saves it, stamps moving."""
        self.get(record_id).update(fields, **self._stamps(by or self.person))

    def delete(self, record_id: str, *, by: str | None = None) -> None:
        """Delete a record to the recycle bin: only `queryAll` still returns it."""
        self.edit(record_id, by=by, IsDeleted=True)

    def _stamps(self, user: str) -> dict[str, Any]:
        stamp = sf_datetime(self.now)
        return {"SystemModstamp": stamp, "LastModifiedDate": stamp, "LastModifiedById": user}

    def get(self, record_id: str) -> dict[str, Any]:
        """The stored record with that id, whatever its object."""
        return self._find(record_id)[1]

    def expire_sessions(self) -> None:
        """Invalidate every issued token, as a session timeout does."""
        self.tokens.clear()

    def calls(self, method: str | None = None, path_part: str = "") -> int:
        """API calls received, optionally by method and a fragment of the path."""
        return sum(
            1 for m, p in self.requests if (method is None or m == method) and path_part in p
        )

    # --- respx wiring -----------------------------------------------------------------------

    def mock(self) -> respx.MockRouter:
        """A respx router serving this org and its login endpoints (use as a context manager)."""
        router = respx.mock(assert_all_called=False)
        router.route(host=HOST).mock(side_effect=self.handle)
        router.route(host="login.salesforce.com").mock(side_effect=self.login)
        router.route(host="test.salesforce.com").mock(side_effect=self.login)
        return router

    def login(self, request: httpx.Request) -> httpx.Response:
        """SOAP username/password login and the OAuth JWT bearer token endpoint."""
        body = request.content.decode()
        token = f"token-{next(self._ids)}"
        if request.url.path.endswith("/oauth2/token"):
            if "assertion=" not in body:
                return httpx.Response(400, json={"error": "invalid_grant"})
            self.tokens.add(token)
            return httpx.Response(200, json={"access_token": token, "instance_url": INSTANCE})
        user = re.search(r"<\w+:username>(.*?)</\w+:username>", body)
        password = re.search(r"<\w+:password>(.*?)</\w+:password>", body)
        known = self.users.get(html.unescape(user[1]) if user else "")
        sent = html.unescape(password[1]) if password else None  # an XML parser unescapes
        if known is None or sent != known[0] + known[1]:
            fault = "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
            return httpx.Response(500, text=f"<soapenv:Envelope>{fault}</soapenv:Envelope>")
        self.tokens.add(token)
        server = f"{INSTANCE}/services/Soap/u/{VERSION}/00D000000000001"
        xml = f"<r><serverUrl>{server}</serverUrl><sessionId>{token}</sessionId></r>"
        return httpx.Response(200, text=xml)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Serve one REST call to the instance."""
        self.requests.append((request.method, request.url.path))
        self.longest_url = max(self.longest_url, len(str(request.url)))
        if len(str(request.url)) > MAX_URI_BYTES:
            return _error(414, "URI_TOO_LONG", "the request URI is too long")
        if self.fail_next:
            failure = self.fail_next.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return self._limited(_error(failure, "SERVER_UNAVAILABLE", "try again"))
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.tokens:
            return _error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        if self.api_used >= self.api_max:
            return _error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        self.api_used += 1
        try:
            return self._limited(self._route(request))
        except SoqlError as error:
            return self._limited(_error(400, "MALFORMED_QUERY", str(error)))

    def _limited(self, response: httpx.Response) -> httpx.Response:
        response.headers["Sforce-Limit-Info"] = f"api-usage={self.api_used}/{self.api_max}"
        return response

    def _route(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path.removeprefix(DATA), request.method
        body = json.loads(request.content) if request.content and _is_json(request) else None
        if path in ("query/", "queryAll/", "tooling/query/") and method == "GET":
            return self._query(parse_qs(request.url.query.decode())["q"][0], path)
        if path == "/services/oauth2/userinfo":
            return httpx.Response(200, json={"user_id": self.api_user, "sub": self.api_user})
        if path.startswith("query/") and method == "GET":
            return self._more(path.removeprefix("query/"))
        if path == "composite/sobjects" and method in ("PATCH", "POST"):
            return self._collection(method, body or {})
        if path == "limits/":
            return self._limits()
        if match := re.fullmatch(r"sobjects/(\w+)/describe/?", path):
            return self._describe(match[1])
        if (match := re.fullmatch(r"sobjects/(\w+)/(\w+)", path)) and method == "PATCH":
            return self._update_one(match[1], match[2], body or {})
        if match := re.fullmatch(r"(tooling/)?sobjects/(\w+)/?", path):
            return self._create_one(match[2], body or {}, tooling=bool(match[1]))
        if path.startswith("jobs/ingest"):
            return self.bulk.handle(method, path.removeprefix("jobs/ingest").strip("/"), request)
        return _error(404, "NOT_FOUND", f"no resource {path}")

    # --- queries ----------------------------------------------------------------------------

    def _query(self, soql: str, path: str) -> httpx.Response:
        query = parse(soql)
        known = self._visible_fields(query.sobject)
        for field in query.fields:
            if known and "." not in field and field != "COUNT()" and field not in known:
                return _error(400, "INVALID_FIELD", f"No such column '{field}' on entity")
        table = self.records["CustomField" if path.startswith("tooling") else query.sobject]
        rows = [
            self._project(record, query.fields)
            for record in table.values()
            if (path == "queryAll/" or not record.get("IsDeleted"))
            and matches(record, query, lambda f, r=record: self._resolve(r, f))  # type: ignore[misc]
        ]
        if query.fields == ["COUNT()"]:  # one call whatever the count: not a page of data
            return httpx.Response(200, json={"totalSize": len(rows), "done": True, "records": []})
        self.query_sizes.append(len(rows))
        if query.order_by:
            rows.sort(key=lambda row: str(self._resolve(row, query.order_by or "")))
        return self._page(rows[: query.limit] if query.limit else rows)

    def _page(self, rows: list[dict[str, Any]], locator: str | None = None) -> httpx.Response:
        head, rest = rows[: self.page_size], rows[self.page_size :]
        answer: dict[str, Any] = {"totalSize": len(rows), "done": not rest, "records": head}
        if rest:
            locator = f"01g{next(self._ids):015d}"
            self._cursors[locator] = rest
            answer["nextRecordsUrl"] = f"{DATA}query/{locator}-{self.page_size}"
        return httpx.Response(200, json=answer)

    def _more(self, cursor: str) -> httpx.Response:
        locator = cursor.split("-")[0]
        if locator not in self._cursors:
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(self._cursors.pop(locator))

    def _project(self, record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        row: dict[str, Any] = {"attributes": {"type": self._type_of(record["Id"])}}
        for field in fields:
            self._set_path(row, record, field.split("."))
        return row

    def _set_path(
        self, row: dict[str, Any], record: dict[str, Any] | None, path: list[str]
    ) -> None:
        head, *rest = path
        if not rest:
            row[head] = self._field(record, head) if record is not None else None
            return
        target = self._related(record, head) if record is not None else None
        if target is None:
            row[head] = None
            return
        nested = row.setdefault(head, {"attributes": {"type": self._type_of(target["Id"])}})
        self._set_path(nested, target, rest)

    def _resolve(self, record: dict[str, Any] | None, path: str) -> Any:
        head, _, rest = path.partition(".")
        if record is None:
            return None
        if not rest:
            return self._field(record, head)
        return self._resolve(self._related(record, head), rest)

    def _field(self, record: dict[str, Any], name: str) -> Any:
        if name == "Type" and "Type" not in record:  # polymorphic Who.Type
            return self._type_of(record["Id"])
        if name == "Name" and "Name" not in record and "LastName" in record:
            return " ".join(p for p in (record.get("FirstName"), record["LastName"]) if p)
        return record.get(name)

    def _related(self, record: dict[str, Any], relationship: str) -> dict[str, Any] | None:
        key = relationship[:-3] + "__c" if relationship.endswith("__r") else relationship + "Id"
        target_id = record.get(key)
        return self._find(target_id)[1] if target_id and self._has(target_id) else None

    # --- writes -----------------------------------------------------------------------------

    def _collection(self, method: str, body: dict[str, Any]) -> httpx.Response:
        records = body.get("records", [])
        if len(records) > 200:
            return _error(400, "EXCEEDED_ID_LIMIT", "cannot submit more than 200 records")
        unknown = self._unknown_fields(records)
        if unknown:  # the body does not deserialize: the whole call fails, as in Salesforce
            return _error(400, "INVALID_FIELD", unknown)
        write = self._update if method == "PATCH" else self._insert
        return httpx.Response(200, json=[write(dict(record)) for record in records])

    def _unknown_fields(self, records: list[dict[str, Any]]) -> str:
        for record in records:
            sobject = record.get("attributes", {}).get("type", "")
            known = self._visible_fields(sobject)
            for name in record:
                if name not in ("attributes", "id") and name not in known:
                    return f"No such column '{name}' on sobject of type {sobject}"
        return ""

    def _update(self, record: dict[str, Any]) -> dict[str, Any]:
        record_id = record.pop("id", None) or record.pop("Id", None)
        sobject = record.pop("attributes", {}).get("type", "")
        if not record_id or not self._has(record_id) or self._type_of(record_id) != sobject:
            return _failed(record_id, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        problem = self._invalid(sobject, record, record_id)
        if problem:
            return _failed(record_id, *problem)
        stored = {name: None if value == "" else value for name, value in record.items()}
        self.records[sobject][record_id].update(stored, **self._stamps(self.api_user))
        return {"id": record_id, "success": True, "errors": []}

    def _insert(self, record: dict[str, Any]) -> dict[str, Any]:
        sobject = record.pop("attributes", {}).get("type", "")
        problem = self._invalid(sobject, record, None)
        if problem:
            return _failed(None, *problem)
        if sobject == "FieldPermissions" and record.get("PermissionsRead"):
            self.hidden_fields.discard(record["Field"])
        record_id = self.add(sobject, **record, **self._stamps(self.api_user))
        return {"id": record_id, "success": True, "errors": []}

    def _invalid(
        self, sobject: str, record: dict[str, Any], record_id: str | None
    ) -> tuple[str, str] | tuple[str, str, list[str]] | None:
        fields = self._visible_fields(sobject)
        for name in record:
            if name not in fields:
                return "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'"
            if not fields[name].get("updateable", True):
                return "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {name}"
            length, value = fields[name].get("length"), record[name]
            if length and isinstance(value, str) and len(value.encode("utf-16-le")) // 2 > length:
                message = f"{name}: data value too large (max length={length})"
                return "STRING_TOO_LONG", message, [name]
        if record_id in self.reject:
            return "FIELD_CUSTOM_VALIDATION_EXCEPTION", self.reject[record_id]
        if sobject == "Task" and (refusal := self._refused_owner(record.get("OwnerId"))):
            return refusal
        key = record.get("LeadScoreTaskKey__c")
        if (
            sobject == "Task"
            and key
            and any(t.get("LeadScoreTaskKey__c") == key for t in self.records["Task"].values())
        ):
            return "DUPLICATE_VALUE", f"duplicate value found: LeadScoreTaskKey__c duplicates {key}"
        return None

    def _refused_owner(self, owner: Any) -> tuple[str, str, list[str]] | None:
        """Why a Task cannot be assigned to `owner`, as Salesforce words it; None if it can."""
        if isinstance(owner, str) and owner.startswith("00G"):
            message = f"Assigned To ID: id value of incorrect type: {owner}"
            return "FIELD_INTEGRITY_EXCEPTION", message, ["OwnerId"]
        user = self.records["User"].get(owner) if isinstance(owner, str) else None
        if user is not None and user.get("IsActive") is False:
            message = f"operation performed with inactive user [{owner}] as owner of task"
            return "INACTIVE_OWNER_OR_USER", message, []
        return None

    def _create_one(self, sobject: str, body: dict[str, Any], *, tooling: bool) -> httpx.Response:
        if tooling and sobject == "CustomField":
            return self._create_field(body)
        result = self._insert({"attributes": {"type": sobject}, **body})
        if not result["success"]:
            return httpx.Response(
                400,
                json=[
                    {"errorCode": e["statusCode"], "message": e["message"]}
                    for e in result["errors"]
                ],
            )
        return httpx.Response(201, json={"id": result["id"], "success": True, "errors": []})

    def _update_one(self, sobject: str, record_id: str, body: dict[str, Any]) -> httpx.Response:
        result = self._update({"attributes": {"type": sobject}, "id": record_id, **body})
        if result["success"]:
            return httpx.Response(204)
        errors = result["errors"]
        return httpx.Response(
            400, json=[{"errorCode": e["statusCode"], "message": e["message"]} for e in errors]
        )

    def _create_field(self, body: dict[str, Any]) -> httpx.Response:
        table, field = body["FullName"].split(".")
        field_type = body["Metadata"]["type"]
        spec = {"type": _DESCRIBE_TYPES.get(field_type, field_type.lower()), "updateable": True}
        if "length" in body["Metadata"]:
            spec["length"] = body["Metadata"]["length"]
        for sobject in ("Task", "Event") if table == "Activity" else (table,):
            self.schema.setdefault(sobject, {})[field] = spec
            self.hidden_fields.add(f"{sobject}.{field}")  # no field-level security yet
        developer_name = field.removesuffix("__c")
        record_id = self.add("CustomField", DeveloperName=developer_name, TableEnumOrId=table)
        return httpx.Response(201, json={"id": record_id, "success": True, "errors": []})

    # --- describe, limits -------------------------------------------------------------------

    def _visible_fields(self, sobject: str) -> dict[str, dict[str, Any]]:
        fields = self.schema.get(sobject, {})
        return {
            name: spec
            for name, spec in fields.items()
            if f"{sobject}.{name}" not in self.hidden_fields
        }

    def _describe(self, sobject: str) -> httpx.Response:
        if sobject not in self.schema:
            return _error(404, "NOT_FOUND", f"The requested resource does not exist: {sobject}")
        fields = [
            {
                "name": name,
                "type": spec.get("type", "string"),
                "updateable": spec.get("updateable", True),
                "createable": spec.get("updateable", True),
                "referenceTo": spec.get("referenceTo", []),
                "relationshipName": spec.get("relationshipName"),
                "picklistValues": spec.get("picklistValues", []),
                "length": spec.get("length", 0),
            }
            for name, spec in self._visible_fields(sobject).items()
        ]
        return httpx.Response(
            200, json={"name": sobject, "createable": True, "updateable": True, "fields": fields}
        )

    def _limits(self) -> httpx.Response:
        remaining = self.api_max - self.api_used
        return httpx.Response(
            200, json={"DailyApiRequests": {"Max": self.api_max, "Remaining": remaining}}
        )

    # --- ids --------------------------------------------------------------------------------

    def _new_id(self, sobject: str) -> str:
        return f"{KEY_PREFIXES.get(sobject, 'a0X')}{next(self._ids):015d}"

    def _has(self, record_id: str) -> bool:
        return any(record_id in table for table in self.records.values())

    def _find(self, record_id: str) -> tuple[str, dict[str, Any]]:
        for sobject, table in self.records.items():
            if record_id in table:
                return sobject, table[record_id]
        raise KeyError(record_id)

    def _type_of(self, record_id: str) -> str:
        return self._find(record_id)[0] if self._has(record_id) else ""

    def all(self, sobject: str) -> Iterator[dict[str, Any]]:
        """Every stored record of an object."""
        return iter(list(self.records[sobject].values()))


_DESCRIBE_TYPES = {
    "Number": "double",
    "Text": "string",
    "DateTime": "datetime",
    "LongTextArea": "textarea",
}


def _failed(
    record_id: str | None, code: str, message: str, fields: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": record_id,
        "success": False,
        "errors": [{"statusCode": code, "message": message, "fields": fields or []}],
    }


def _is_json(request: httpx.Request) -> bool:
    return "json" in request.headers.get("Content-Type", "")
