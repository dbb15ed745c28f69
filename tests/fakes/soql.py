"""Just enough SOQL for the fake org: SELECT fields FROM object [WHERE a AND b] [ORDER BY f].

Conditions: `=`, `!=`, `>=`, `<=`, `>`, `<`, `IN (...)` on fields or relationship paths, with
quoted strings, numbers, true/false/null, and Date/DateTime literals, joined by AND; a
parenthesised group of conditions joined by OR counts as one. Anything else is a
MALFORMED_QUERY, as the adapter should never send it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

_QUERY = re.compile(
    r"^SELECT (?P<fields>.+?) FROM (?P<object>\w+)"
    r"(?: WHERE (?P<where>.+?))?(?: ORDER BY (?P<order>[\w.]+))?(?: LIMIT (?P<limit>\d+))?$",
    re.DOTALL,
)
_CONDITION = re.compile(r"^(?P<field>[\w.]+) (?P<op>=|!=|>=|<=|>|<|IN) (?P<value>.+)$", re.DOTALL)
_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'")
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


class SoqlError(ValueError):
    """The fake cannot parse this query (Salesforce would say MALFORMED_QUERY)."""


@dataclass(frozen=True)
class Condition:
    """One `field op value` test."""

    field: str
    op: str
    value: Any

    def holds(self, actual: Any) -> bool:
        """Whether a record's value passes the test."""
        if self.op == "IN":
            return actual in self.value
        if self.value is None or actual is None:
            same = actual is None and self.value is None
            return same if self.op == "=" else (not same if self.op == "!=" else False)
        actual = _comparable(actual, self.value)
        compare: dict[str, Callable[[Any, Any], bool]] = {
            "=": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            ">=": lambda a, b: a >= b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            "<": lambda a, b: a < b,
        }
        return compare[self.op](actual, self.value)

    def test(self, resolve: Callable[[str], Any]) -> bool:
        """Whether the record whose fields `resolve` reads passes."""
        return self.holds(resolve(self.field))


@dataclass(frozen=True)
class AnyOf:
    """`(a OR b OR ...)`: passes when one of its conditions does."""

    conditions: list[Condition]

    def test(self, resolve: Callable[[str], Any]) -> bool:
        """Whether the record whose fields `resolve` reads passes one of the conditions."""
        return any(condition.test(resolve) for condition in self.conditions)


@dataclass(frozen=True)
class Query:
    """A parsed query."""

    sobject: str
    fields: list[str]
    conditions: list[Condition | AnyOf]
    order_by: str | None
    limit: int | None


def parse(soql: str) -> Query:
    """Parse the SOQL subset the adapter sends."""
    match = _QUERY.match(soql.strip())
    if match is None:
        raise SoqlError(f"cannot parse: {soql[:200]}")
    where = match["where"]
    return Query(
        sobject=match["object"],
        fields=[f.strip() for f in match["fields"].split(",")],
        conditions=[_condition(part) for part in _split_and(where)] if where else [],
        order_by=match["order"],
        limit=int(match["limit"]) if match["limit"] else None,
    )


def _split_and(where: str, joiner: str = " AND ") -> list[str]:
    parts, current, quoted, depth, index = [], [], False, 0, 0
    while index < len(where):
        char = where[index]
        if char == "\\" and quoted:
            current.append(where[index : index + 2])
            index += 2
            continue
        if char == "'":
            quoted = not quoted
        if not quoted and char in "()":
            depth += 1 if char == "(" else -1
        if not quoted and not depth and where.startswith(joiner, index):
            parts.append("".join(current))
            current, index = [], index + len(joiner)
            continue
        current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _condition(text: str) -> Condition | AnyOf:
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        return AnyOf([_simple(part) for part in _split_and(text[1:-1], " OR ")])
    return _simple(text)


def _simple(text: str) -> Condition:
    match = _CONDITION.match(text.strip())
    if match is None:
        raise SoqlError(f"cannot parse condition: {text[:200]}")
    op, raw = match["op"], match["value"].strip()
    if op == "IN":
        if not (raw.startswith("(") and raw.endswith(")")):
            raise SoqlError(f"IN needs a list: {raw[:100]}")
        return Condition(match["field"], op, {_unescape(s) for s in _STRING.findall(raw)})
    return Condition(match["field"], op, _literal(raw))


def _literal(raw: str) -> Any:
    if raw.startswith("'"):
        return _unescape(raw[1:-1])
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    if _DATETIME.match(raw):
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
    if _DATE.match(raw):
        return date.fromisoformat(raw)
    try:
        return float(raw)
    except ValueError:
        raise SoqlError(f"unknown literal {raw!r}") from None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def _comparable(actual: Any, literal: Any) -> Any:
    """A stored JSON value converted to the literal's type (dates are stored as text)."""
    if isinstance(literal, datetime) and isinstance(actual, str):
        return datetime.fromisoformat(actual).astimezone(UTC)
    if isinstance(literal, date) and isinstance(actual, str):
        return date.fromisoformat(actual[:10])
    if isinstance(literal, float) and isinstance(actual, int | float):
        return float(actual)
    return actual


def matches(record: Mapping[str, Any], query: Query, resolve: Callable[[str], Any]) -> bool:
    """Whether every condition holds for the record (`resolve` reads a field path)."""
    return all(condition.test(resolve) for condition in query.conditions)
