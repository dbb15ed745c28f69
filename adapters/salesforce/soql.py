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

#: The `,` between two values of an `IN` list, form-encoded.
_SEPARATOR = len(quote_plus(","))


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


def not_equal(field: str, value: str | bool | int | float | None) -> str:
    """`field != value`, the value quoted."""
    return format_soql("{:literal} != {}", field, value)


def any_of(conditions: Sequence[str]) -> str:
    """`(c1 OR c2 ...)`, or the one condition alone."""
    return conditions[0] if len(conditions) == 1 else "(" + " OR ".join(conditions) + ")"


def at_or_after(field: str, moment: datetime | date) -> str:
    """`field >= moment` (a DateTime or Date literal)."""
    return format_soql("{:literal} >= {}", field, moment)


def at_or_before(field: str, moment: datetime | date) -> str:
    """`field <= moment` (a DateTime or Date literal)."""
    return format_soql("{:literal} <= {}", field, moment)


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
    """Queries restricted to `id_field IN (...)`, the values split so each URL fits the limit.

    Each value is measured as it is sent (quoted, escaped, form-encoded): task keys such as
    `leadscore:00Q...:2026-11-20` take twice an 18-character id, and Japanese text nine bytes
    a character. A value too long to share a query goes alone.
    """
    fields = list(fields)
    room = max_url_bytes - url_length(select(sobject, fields, [*conditions, is_in(id_field, [])]))
    for chunk in _fitting(sorted(ids), room):
        yield select(sobject, fields, [*conditions, is_in(id_field, chunk)])


def _fitting(values: Sequence[str], room: int) -> Iterator[list[str]]:
    """Consecutive runs of `values` whose encoded `IN` list fits in `room` bytes."""
    chunk: list[str] = []
    used = 0
    for value in values:
        size = len(quote_plus(format_soql("{}", value))) + _SEPARATOR
        if chunk and used + size > room:
            yield chunk
            chunk, used = [], 0
        chunk.append(value)
        used += size
    if chunk:
        yield chunk
