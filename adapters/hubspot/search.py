"""CRM object reads on HubSpot: keyset search past the 10k cap, batch reads, associations."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from adapters.hubspot.client import HubSpotCalls, Json

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
