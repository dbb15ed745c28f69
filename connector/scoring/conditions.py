"""Conditions compiled once into fast predicates over a single value."""

from __future__ import annotations

from collections.abc import Callable

from connector.model import PropertyValue
from connector.scoring.rules import Condition
from connector.scoring.text import compile_pattern, normalize_text, normalize_width, parse_number

Predicate = Callable[[PropertyValue | None], bool]


def _as_text(value: PropertyValue | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(str(value))


def _as_texts(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(_as_text(item) for item in items)  # type: ignore[arg-type]


def _equals(expected: object) -> Predicate:
    target = _as_texts(expected)[0]
    return lambda value: _as_text(value) == target


def _one_of(expected: object) -> Predicate:
    targets = frozenset(_as_texts(expected))
    return lambda value: _as_text(value) in targets


def _contains(expected: object) -> Predicate:
    needles = _as_texts(expected)

    def check(value: PropertyValue | None) -> bool:
        text = _as_text(value)
        return any(needle in text for needle in needles)

    return check


def _not_contains(expected: object) -> Predicate:
    contains = _contains(expected)
    return lambda value: not contains(value)


def _regex(expected: object) -> Predicate:
    pattern = compile_pattern(str(expected))
    return lambda value: pattern.search(_as_raw_text(value)) is not None


def _as_raw_text(value: PropertyValue | None) -> str:
    """The value width-normalised only: a regex sees its case and spaces as written."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_width(str(value))


def _at_least(expected: object) -> Predicate:
    bound = float(expected)  # type: ignore[arg-type]

    def check(value: PropertyValue | None) -> bool:
        number = parse_number(value)
        return number is not None and number >= bound

    return check


def _at_most(expected: object) -> Predicate:
    bound = float(expected)  # type: ignore[arg-type]

    def check(value: PropertyValue | None) -> bool:
        number = parse_number(value)
        return number is not None and number <= bound

    return check


_BUILDERS: dict[str, Callable[[object], Predicate]] = {
    "equals": _equals,
    "in_": _one_of,
    "contains": _contains,
    "not_contains": _not_contains,
    "regex": _regex,
    "min": _at_least,
    "max": _at_most,
}


def compile_condition(condition: Condition) -> Predicate:
    """One predicate that holds when every operator of the condition holds."""
    checks = tuple(_BUILDERS[name](operand) for name, operand in condition.operators().items())
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)
