"""The rule engine: for every RuleKind, a typed parameter spec (what the builder asks for and what
the service accepts) and one evaluator.

Evaluation is two steps so that it costs a constant number of queries however many rules a stage
has: `load_facts` reads what the given rules need about one record (at most one contacts query
and one activities query), then each rule is judged against those facts in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.utils import timezone

from pipeline.models import RuleKind
from pipeline.rules.fields import (
    BOOLEAN,
    CHOICE,
    DATE,
    FLAGS,
    NUMBER,
    RECORD_FIELDS,
    TEXT,
    USER,
    FieldRef,
    available_fields,
)
from pipeline.rules.params import (
    DECIMAL,
    FIELD,
    INTEGER,
    OPTION,
    VALUES,
    KindSpec,
    Param,
    _blank,
    _clean_param,
    _num,
    _to_decimal,
)
from records.models import (
    Activity,
    ActivityKind,
    Contact,
)


def clean_params(kind: str, raw: dict | None, fields: dict[str, FieldRef]) -> dict:
    """Validate and type a rule's parameters for its kind. Unknown parameters, unknown or
    unsuitable fields and text where a number belongs are refused with a message."""
    spec = SPECS.get(kind)
    if spec is None:
        raise ValidationError({"kind": f"Unknown rule kind “{kind}”."})
    raw = dict(raw or {})
    known = {p.name for p in spec.params}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValidationError(f"{RuleKind(kind).label}: unknown parameter(s) {', '.join(unknown)}.")
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for param in spec.params:
        try:
            value = _clean_param(param, raw.get(param.name), fields)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
            continue
        if value is not None:
            cleaned[param.name] = value
    if errors:
        raise ValidationError(errors)
    _check_kind_rules(kind, cleaned, fields)
    return cleaned


def _check_kind_rules(kind: str, params: dict, fields: dict[str, FieldRef]) -> None:
    """Checks that involve more than one parameter."""
    if kind == RuleKind.NUMBER_RANGE:
        low, high = _to_decimal(params.get("min")), _to_decimal(params.get("max"))
        if low is None and high is None:
            raise ValidationError({"min": "Give a minimum, a maximum or both."})
        if low is not None and high is not None and low > high:
            raise ValidationError({"max": "The maximum is below the minimum."})
    if kind == RuleKind.FIELD_IN:
        ref = fields[params["field"]]
        if ref.choices:
            allowed = {c for c, _ in ref.choices}
            wrong = [v for v in params["values"] if v not in allowed]
            if wrong:
                raise ValidationError(
                    {"values": f"Not a choice of {ref.label}: {', '.join(wrong)}."}
                )


# --- facts and evaluators -----------------------------------------------------------------


@dataclass
class RecordFacts:
    """What the rules of a move need to know about one record, read once."""

    record: object
    now: datetime
    has_primary: bool = False
    primary_phone_valid: bool = False
    primary_email_valid: bool = False
    reachable_contacts: int = 0
    last_done: dict[str, datetime] = field(default_factory=dict)


def load_facts(record, kinds: Iterable[str], activity_kinds: Iterable[str] = (), now=None):
    """Read the contact and activity facts the given rule kinds need: at most two queries."""
    facts = RecordFacts(record=record, now=now or timezone.now())
    needs = set().union(*(SPECS[k].needs for k in kinds if k in SPECS))
    if "contacts" in needs:
        contacts = Contact.objects.of(record.workspace_id).filter(record_id=record.pk)
        agg = contacts.aggregate(
            primary=Count("id", filter=Q(is_primary=True)),
            phone_ok=Count("id", filter=Q(is_primary=True, phone_valid=True)),
            email_ok=Count("id", filter=Q(is_primary=True, email_valid=True)),
            reachable=Count("id", filter=~Q(email="") | ~Q(phone_raw="")),
        )
        facts.has_primary = bool(agg["primary"])
        facts.primary_phone_valid = bool(agg["phone_ok"])
        facts.primary_email_valid = bool(agg["email_ok"])
        facts.reachable_contacts = agg["reachable"]
    activity_kinds = sorted(set(activity_kinds))
    if "activities" in needs and activity_kinds:
        rows = (
            Activity.objects.of(record.workspace_id)
            .filter(record_id=record.pk, done=True, kind__in=activity_kinds)
            .values("kind")
            .annotate(last=Max("occurred_at"))
        )
        facts.last_done = {row["kind"]: row["last"] for row in rows}
    return facts


def _field_label(params, fields, key="field"):
    ref = fields.get(params.get(key, ""))
    return ref.label if ref else params.get(key, "?")


def _eval_field_present(facts, params):
    ref = _field_ref(params["field"])
    return not _blank(ref.value(facts.record))


def _eval_field_in(facts, params):
    value = _field_ref(params["field"]).value(facts.record)
    return not _blank(value) and str(value) in params["values"]


def _eval_number_range(facts, params):
    value = _to_decimal(_field_ref(params["field"]).value(facts.record))
    if value is None:
        return False
    low, high = _to_decimal(params.get("min")), _to_decimal(params.get("max"))
    return (low is None or value >= low) and (high is None or value <= high)


def _eval_activity_done(facts, params):
    last = facts.last_done.get(params["activity_kind"])
    if last is None:
        return False
    days = params.get("within_days")
    return days is None or last >= facts.now - timedelta(days=int(days))


def _field_ref(key: str) -> FieldRef:
    """The FieldRef for evaluation; custom fields are read from the record's JSON by key."""
    for ref in RECORD_FIELDS:
        if ref.key == key:
            return ref
    return FieldRef(key, key, TEXT)


def _describe_range(params, fields):
    label, low, high = _field_label(params, fields), params.get("min"), params.get("max")
    if low is not None and high is not None:
        return f"{label} between {_num(low)} and {_num(high)}"
    if low is not None:
        return f"{label} at least {_num(low)}"
    return f"{label} at most {_num(high)}"


def _describe_activity(params, fields):
    kind = ActivityKind(params["activity_kind"]).label
    days = params.get("within_days")
    return f"A {kind.lower()} activity done" + (f" in the last {days} days" if days else "")


_ALL_FIELD_TYPES = (TEXT, CHOICE, NUMBER, DATE, USER, BOOLEAN)

SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            RuleKind.FIELD_PRESENT,
            (Param("field", "Field", FIELD, field_types=_ALL_FIELD_TYPES),),
            _eval_field_present,
            lambda p, f: f"{_field_label(p, f)} is filled in",
        ),
        KindSpec(
            RuleKind.FIELD_IN,
            (
                Param("field", "Field", FIELD, field_types=(TEXT, CHOICE)),
                Param("values", "Allowed values", VALUES, help="Separate values with commas."),
            ),
            _eval_field_in,
            lambda p, f: f"{_field_label(p, f)} is one of: {', '.join(p['values'])}",
        ),
        KindSpec(
            RuleKind.NUMBER_RANGE,
            (
                Param("field", "Field", FIELD, field_types=(NUMBER,)),
                Param("min", "Minimum", DECIMAL, required=False),
                Param("max", "Maximum", DECIMAL, required=False),
            ),
            _eval_number_range,
            _describe_range,
        ),
        KindSpec(
            RuleKind.CONTACT_PHONE_VALID,
            (),
            lambda facts, p: facts.primary_phone_valid,
            lambda p, f: "The primary contact's phone number is valid",
            frozenset({"contacts"}),
        ),
        KindSpec(
            RuleKind.CONTACT_EMAIL_VALID,
            (),
            lambda facts, p: facts.primary_email_valid,
            lambda p, f: "The primary contact's e-mail address is valid",
            frozenset({"contacts"}),
        ),
        KindSpec(
            RuleKind.ICP_AT_LEAST,
            (Param("min", "Minimum ICP score", INTEGER, min_value=0, max_value=100),),
            lambda facts, p: (
                facts.record.icp_score is not None and facts.record.icp_score >= p["min"]
            ),
            lambda p, f: f"ICP score at least {p['min']}",
        ),
        KindSpec(
            RuleKind.ACTIVITY_DONE,
            (
                Param("activity_kind", "Activity", OPTION, options=tuple(ActivityKind.choices)),
                Param(
                    "within_days",
                    "Within the last … days",
                    INTEGER,
                    required=False,
                    min_value=1,
                    max_value=3650,
                    help="Leave empty to accept one done at any time.",
                ),
            ),
            _eval_activity_done,
            _describe_activity,
            frozenset({"activities"}),
        ),
        KindSpec(
            RuleKind.FLAG_SET,
            (Param("flag", "Flag", OPTION, options=tuple(FLAGS.items())),),
            lambda facts, p: bool(getattr(facts.record, p["flag"])),
            lambda p, f: FLAGS.get(p["flag"], p["flag"]),
        ),
        KindSpec(
            RuleKind.HAS_CONTACT,
            (),
            lambda facts, p: bool(facts.record.name) and facts.reachable_contacts > 0,
            lambda p, f: "A company name and a contact with an e-mail or phone number",
            frozenset({"contacts"}),
        ),
    )
}


@dataclass(frozen=True)
class RuleResult:
    rule: object
    met: bool

    @property
    def message(self) -> str:
        return self.rule.message


def evaluate(record, rules, *, now=None) -> list[RuleResult]:
    """Judge `record` against `rules` (QualificationRule rows), in their order. Constant
    queries: the facts are loaded once for all rules."""
    rules = list(rules)
    kinds = {r.kind for r in rules}
    activity_kinds = [r.params.get("activity_kind") for r in rules if r.kind == "activity_done"]
    facts = load_facts(record, kinds, [k for k in activity_kinds if k], now=now)
    return [RuleResult(rule, bool(SPECS[rule.kind].evaluate(facts, rule.params))) for rule in rules]


def describe(rule, fields: dict[str, FieldRef]) -> str:
    """The criterion in plain words, for the definitions page and the builder."""
    spec = SPECS.get(rule.kind)
    try:
        return spec.describe(rule.params, fields) if spec else rule.message
    except (KeyError, ValueError):
        return rule.message


# What the builder, the forms and the selectors use.
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
