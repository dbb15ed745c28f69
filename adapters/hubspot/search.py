"""CRM object reads on HubSpot: keyset search past the 10k cap, batch reads, associations,
and telling our own writes from other changes."""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from adapters.hubspot.client import HubSpotCalls, Json
from adapters.hubspot.records import parse_instant

T = TypeVar("T")

#: The search endpoints' page size ceiling.
SEARCH_PAGE = 200
#: Object batch endpoints take at most 100 inputs; reads with property history at most 50.
BATCH_LIMIT = 100
HISTORY_BATCH_LIMIT = 50
#: Association batch reads take at most 1000 ids.
ASSOCIATION_BATCH_LIMIT = 1000


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of at most `size`."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def search_filter(name: str, operator: str, value: str | Sequence[str]) -> Json:
    """One search filter; IN takes `values`, the others `value`."""
    if isinstance(value, str):
        return {"propertyName": name, "operator": operator, "value": value}
    return {"propertyName": name, "operator": operator, "values": list(value)}


def search_all(
    calls: HubSpotCalls, object_type: str, filters: Sequence[Json], properties: Sequence[str]
) -> Iterator[Json]:
    """Every record matching `filters`, each exactly once.

    Keyset on `hs_object_id` instead of `after` paging: each page is a new query for ids
    above the last one seen, so no query passes the 10,000-result cap, and no number of
    records sharing one `lastmodifieddate` can make it loop.
    """
    last_id = "0"
    while True:
        page = calls.search(object_type, _keyset_request(filters, properties, last_id))
        results: list[Json] = page.get("results", [])
        yield from results
        if not results or not page.get("paging", {}).get("next"):
            return
        last_id = str(results[-1]["id"])


def _keyset_request(filters: Sequence[Json], properties: Sequence[str], last_id: str) -> Json:
    keyset = search_filter("hs_object_id", "GT", last_id)
    return {
        "filterGroups": [{"filters": [*filters, keyset]}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": SEARCH_PAGE,
    }


def batch_read(
    calls: HubSpotCalls,
    object_type: str,
    ids: Collection[str],
    properties: Sequence[str],
    *,
    history: Sequence[str] = (),
    id_property: str | None = None,
) -> Iterator[Json]:
    """The records with these ids (unknown ids are skipped), 100 (50 with history) a call."""
    size = HISTORY_BATCH_LIMIT if history else BATCH_LIMIT
    for chunk in chunks(sorted(set(ids)), size):
        request: dict[str, Any] = {
            "inputs": [{"id": record_id} for record_id in chunk],
            "properties": list(properties),
        }
        if history:
            request["propertiesWithHistory"] = list(history)
        if id_property:
            request["idProperty"] = id_property
        yield from calls.sdk_read(calls.sdk.batch.read, object_type, request).get("results", [])


def associated_ids(
    calls: HubSpotCalls, from_type: str, to_type: str, ids: Collection[str]
) -> dict[str, set[str]]:
    """For each id of `from_type`, the ids of its associated `to_type` records."""
    found: dict[str, set[str]] = {}
    for chunk in chunks(sorted(set(ids)), ASSOCIATION_BATCH_LIMIT):
        request = {"inputs": [{"id": record_id} for record_id in chunk]}
        body = calls.sdk_read(calls.sdk.associations.get_page, from_type, to_type, request)
        for result in body.get("results", []):
            targets = {str(item["toObjectId"]) for item in result.get("to", [])}
            found.setdefault(str(result["from"]["id"]), set()).update(targets)
    return found


#: How many of our newest write stamps the next process gets: a run writes in batches of 100,
#: and the next run only looks back to its cursor, a few minutes.
MEMORY_STAMPS = 500


class OwnWrites:
    """The `lastmodifieddate` HubSpot gave each contact this adapter updated (per process).

    Writing results moves `lastmodifieddate`, so without this the next incremental run would
    take every contact just written for a changed one. A contact a person edits afterwards
    gets a newer stamp, so leaving out exactly our stamps leaves out only our own writes.
    """

    def __init__(self) -> None:
        self._stamps: dict[str, int] = {}
        self._recalled: set[int] = set()
        self._lock = threading.Lock()

    def record(self, body: Json) -> None:
        """Remember the stamps a batch update answered with (`updatedAt` of each result)."""
        with self._lock:
            for row in body.get("results", []):
                stamp = parse_instant(row.get("updatedAt"))
                if stamp is not None:
                    self._stamps[str(row.get("id"))] = int(stamp.timestamp() * 1000)

    def instants(self, since_ms: int) -> list[int]:
        """Our write stamps at or after `since_ms`, oldest first."""
        with self._lock:
            stamps = {*self._stamps.values(), *self._recalled}
        return sorted(stamp for stamp in stamps if stamp >= since_ms)

    def dump(self) -> str:
        """The newest stamps as JSON, for the next process (a cron job's next run)."""
        return json.dumps(self.instants(0)[-MEMORY_STAMPS:])

    def load(self, memory: str) -> None:
        """Take back stamps a previous process dumped; anything unreadable is ignored."""
        try:
            stamps = json.loads(memory)
        except ValueError:
            return
        if isinstance(stamps, list):
            with self._lock:
                self._recalled.update(s for s in stamps if isinstance(s, int))


def modified_since(own: OwnWrites, since: datetime, extra: Sequence[Json] = ()) -> list[list[Json]]:
    """Filters, one search each, for records modified at or after `since` but not by us.

    Each search covers a span of time and leaves out (NEQ) up to 7 of our write stamps in it:
    a filter group holds 10 filters, and the span's two bounds and the keyset take three.
    """
    since_ms = int(since.timestamp() * 1000)
    slots = 7 - len(extra)
    spans = list(chunks(own.instants(since_ms), slots)) or [[]]
    queries = []
    for index, stamps in enumerate(spans):
        lower = since_ms if index == 0 else stamps[0]
        filters = [search_filter("lastmodifieddate", "GTE", str(lower))]
        if index + 1 < len(spans):
            filters.append(search_filter("lastmodifieddate", "LT", str(spans[index + 1][0])))
        filters += [search_filter("lastmodifieddate", "NEQ", str(stamp)) for stamp in stamps]
        queries.append([*filters, *extra])
    return queries
