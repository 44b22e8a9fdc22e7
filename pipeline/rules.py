"""Stage entry rules in the shared condition language (records.conditions): a QualificationRule
is a condition (kind + params) with the message a rep reads when it is unmet.

Evaluation costs a constant number of queries however many rules a stage has: the facts are
loaded once for all rules (records.conditions.load_facts).
"""

from __future__ import annotations

from dataclasses import dataclass

from records.conditions import (
    FIELD,
    OPTION,
    SPECS,
    VALUES,
    FieldRef,
    RecordFacts,
    available_fields,
    clean_params,
    evaluate_condition,
    load_facts,
)


@dataclass(frozen=True)
class RuleResult:
    rule: object
    met: bool

    @property
    def message(self) -> str:
        return self.rule.message


def evaluate(record, rules, *, now=None) -> list[RuleResult]:
    """Judge `record` against `rules` (QualificationRule rows), in their order."""
    rules = list(rules)
    facts = load_facts(record, [(r.kind, r.params) for r in rules], now=now)
    return [RuleResult(rule, evaluate_condition(rule.kind, rule.params, facts)) for rule in rules]


def describe(rule, fields: dict[str, FieldRef]) -> str:
    """The rule in plain words, for the definitions page and the builder."""
    spec = SPECS.get(rule.kind)
    try:
        return spec.describe(rule.params, fields) if spec else rule.message
    except (KeyError, ValueError):
        return rule.message


__all__ = [
    "FIELD",
    "OPTION",
    "SPECS",
    "VALUES",
    "FieldRef",
    "RecordFacts",
    "RuleResult",
    "available_fields",
    "clean_params",
    "describe",
    "evaluate",
]
