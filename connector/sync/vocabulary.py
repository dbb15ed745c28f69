"""Typos in rules, caught before they silently never fire: names checked against the mapping.

Before a run, every name a rule uses (a fit rule's `field`, an engagement rule's `activity`,
its `where` properties and `sum`) is checked against what the mapping can produce: an unknown
one stops the run (exit 2) naming the rule, the key and the nearest known name. While a full
run reads its input, `NameWatch` notes which of those names actually occur, so a rule whose
field or property no row had is warned about once.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping

from connector.model import CANONICAL_PROPERTIES, Activity, Lead
from connector.ports import CheckItem, Vocabulary
from connector.scoring import EngagementRule, FitRule, RuleSet


def known_kinds(vocabulary: Vocabulary) -> dict[str, frozenset[str]]:
    """Every kind a rule may name, with its properties: canonical ones plus the mapping's."""
    kinds = dict(CANONICAL_PROPERTIES)
    for kind, properties in vocabulary.kinds.items():
        kinds[kind] = kinds.get(kind, frozenset()) | properties
    return kinds


def unknown_names(rules: RuleSet, vocabulary: Vocabulary) -> list[str]:
    """One line per name a rule uses that the mapping cannot produce."""
    kinds = known_kinds(vocabulary)
    problems = [
        problem
        for rule in rules.fit
        if (problem := _unknown_field(rule, vocabulary.attributes)) is not None
    ]
    for rule in rules.engagement:
        problems += _unknown_in_engagement(rule, kinds)
    return problems


def _unknown_field(rule: FitRule, attributes: frozenset[str] | None) -> str | None:
    if attributes is None or rule.field in attributes:
        return None
    return _line(f"scoring.fit {rule.id!r}", "field", rule.field, "a mapped attribute", attributes)


def _unknown_in_engagement(rule: EngagementRule, kinds: Mapping[str, frozenset[str]]) -> list[str]:
    where = f"scoring.engagement {rule.id!r}"
    problems = [
        _line(where, "activity", kind, "an activity kind", kinds)
        for kind in sorted(rule.kinds())
        if kind not in kinds
    ]
    properties = frozenset().union(*(kinds[kind] for kind in rule.kinds() if kind in kinds))
    if problems or not properties:
        return problems
    for key, name in _property_keys(rule):
        if name not in properties:
            problems.append(_line(where, key, name, f"a property of {_kinds(rule)}", properties))
    return problems


def _property_keys(rule: EngagementRule) -> list[tuple[str, str]]:
    keys = [(f"where.{name}", name) for name in rule.where]
    return keys + ([("sum", rule.sum)] if rule.sum is not None else [])


def _kinds(rule: EngagementRule) -> str:
    return "/".join(sorted(rule.kinds())) + " activities"


def _line(where: str, key: str, name: str, what: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{where}: {key} = {name!r} is not {what}; {hint}known: {', '.join(sorted(known))}"


def rules_check(rules: RuleSet, vocabulary: Vocabulary) -> CheckItem:
    """`leadscore check`'s line on the rules: every name they use, the mapping produces."""
    problems = unknown_names(rules, vocabulary)
    if not problems:
        return CheckItem("scoring rules", True, "every field, kind and property is mapped")
    return CheckItem("scoring rules", False, "; ".join(problems))


class NameWatch:
    """Notes which names the rules use occur in the input, to warn about those that never do."""

    def __init__(self, rules: RuleSet) -> None:
        self._fields = [(rule.id, rule.field) for rule in rules.fit]
        self._properties = [
            (rule.id, kind, name)
            for rule in rules.engagement
            for kind in sorted(rule.kinds())
            for _, name in _property_keys(rule)
        ]
        self._seen_fields: set[str] = set()
        #: Per kind, the property names not seen yet: emptied as they turn up, so that
        #: watching costs one dict lookup per activity once every name was seen.
        self._wanted: dict[str, set[str]] = {}
        for _, kind, name in self._properties:
            self._wanted.setdefault(kind, set()).add(name)

    def see_leads(self, leads: Iterable[Lead]) -> None:
        """Note the attributes these leads have."""
        wanted = {field for _, field in self._fields}
        for lead in leads:
            self._seen_fields.update(name for name in wanted if lead.attributes.get(name))
            if self._seen_fields >= wanted:
                return

    def see(self, activity: Activity) -> None:
        """Note the properties this activity has."""
        wanted = self._wanted.get(activity.kind)
        if wanted:
            wanted.difference_update([name for name in wanted if name in activity.properties])

    def unseen(self) -> list[str]:
        """One warning per rule naming a field or property that no row had."""
        fields = [
            f"rule {rule!r}: no lead has a value for field {field!r}"
            for rule, field in self._fields
            if field not in self._seen_fields
        ]
        properties = [
            f"rule {rule!r}: no {kind} activity has the property {name!r}"
            for rule, kind, name in self._properties
            if name in self._wanted.get(kind, ())
        ]
        return fields + properties
