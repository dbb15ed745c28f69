"""SOQL for the adapter, built only with `format_soql`, and id lists split to fit a request.

Names (objects, fields) come from the validated mapping, whose patterns admit only API names;
values (ids, dates, picklist values) are always quoted by `format_soql`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from urllib.parse import quote_plus

from simple_salesforce.format import format_soql

#: The REST query path and parameter name ahead of the encoded SOQL in the URL.
_URL_OVERHEAD = len(
    "https://xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.my.salesforce.com/services/data/v59.0/query/?q="
)


def select(
    sobject: str, fields: Iterable[str], conditions: Sequence[str] = (), *, order_by: str = ""
) -> str:
    """`SELECT fields FROM sobject [WHERE c1 AND c2 ...] [ORDER BY field]`."""
    query = format_soql(
        "SELECT {:literal} FROM {:literal}", ", ".join(dict.fromkeys(fields)), sobject
    )
    if conditions:
        query += format_soql(" WHERE {:literal}", " AND ".join(conditions))
    if order_by:
        query += format_soql(" ORDER BY {:literal}", order_by)
    return query


def equals(field: str, value: str | bool | int | float | None) -> str:
    """`field = value`, the value quoted."""
    return format_soql("{:literal} = {}", field, value)


def at_or_after(field: str, moment: datetime | date) -> str:
    """`field >= moment` (a DateTime or Date literal)."""
    return format_soql("{:literal} >= {}", field, moment)


def is_in(field: str, values: Collection[str]) -> str:
    """`field IN ('a','b',...)`."""
    return format_soql("{:literal} IN {}", field, sorted(values))


def not_null(field: str) -> str:
    """`field != null`."""
    return format_soql("{:literal} != null", field)


def matching(match: Mapping[str, str | bool | int | float]) -> list[str]:
    """One `field = value` condition per entry of a mapping's `match` table."""
    return [equals(field, value) for field, value in match.items()]


def url_length(soql: str) -> int:
    """Bytes the query takes in a REST query URL (form-encoded, as `requests` sends it)."""
    return _URL_OVERHEAD + len(quote_plus(soql))


def chunked_in(
    sobject: str,
    fields: Iterable[str],
    conditions: Sequence[str],
    id_field: str,
    ids: Collection[str],
    *,
    max_url_bytes: int,
) -> Iterator[str]:
    """Queries restricted to `id_field IN (...)`, the ids split so each URL fits the limit."""
    fields = list(fields)
    base = url_length(select(sobject, fields, [*conditions, is_in(id_field, [])]))
    per_id = len(quote_plus("'000000000000000000',"))
    per_chunk = max((max_url_bytes - base) // per_id, 1)
    ordered = sorted(ids)
    for start in range(0, len(ordered), per_chunk):
        chunk = ordered[start : start + per_chunk]
        yield select(sobject, fields, [*conditions, is_in(id_field, chunk)])
