"""The condition language: for every ConditionKind, a typed parameter spec (what a builder asks
for and what a service accepts), a plain-words description, and the test itself in two forms.

Pipeline's stage entry rules and the ICP criteria are both written in it (records/ is below
pipeline/, so it lives here).

- One record, in Python: `load_facts` reads what the given conditions need about the record (at
  most one contacts query and one activities query, however many conditions), then each
  condition is judged against those facts. This sees unsaved edits of the record, so a move can
  be checked before it is saved.
- Many records, in SQL: `sql_condition` gives the same test as a boolean expression over
  records_record, for set-based work such as the ICP recompute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, FloatField, Func, Max, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import GreaterThanOrEqual, In, IsNull, LessThanOrEqual
from django.utils import timezone

from records.conditions.fields import (
    BOOLEAN,
    CHOICE,
    CUSTOM_PREFIX,
    DATE,
    FLAGS,
    NUMBER,
    RECORD_FIELDS,
    TEXT,
    USER,
    FieldRef,
    available_fields,
)
from records.conditions.kinds import ConditionKind
from records.conditions.params import (
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
from records.models import Activity, ActivityKind, Contact, Seniority


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
        raise ValidationError(
            f"{ConditionKind(kind).label}: unknown parameter(s) {', '.join(unknown)}."
        )
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
    if kind == ConditionKind.NUMBER_RANGE:
        low, high = _to_decimal(params.get("min")), _to_decimal(params.get("max"))
        if low is None and high is None:
            raise ValidationError({"min": "Give a minimum, a maximum or both."})
        if low is not None and high is not None and low > high:
            raise ValidationError({"max": "The maximum is below the minimum."})
    if kind == ConditionKind.FIELD_IN:
        ref = fields[params["field"]]
        if ref.choices:
            allowed = {c for c, _ in ref.choices}
            wrong = [v for v in params["values"] if v not in allowed]
            if wrong:
                raise ValidationError(
                    {"values": f"Not a choice of {ref.label}: {', '.join(wrong)}."}
                )


# --- facts: what the Python form reads about one record ----------------------------------------


@dataclass
class RecordFacts:
    """What the conditions about one record need to know, read once."""

    record: object
    now: datetime
    has_primary: bool = False
    primary_phone_valid: bool = False
    primary_email_valid: bool = False
    primary_seniority: str = ""
    primary_title: str = ""
    reachable_contacts: int = 0
    last_done: dict[str, datetime] = field(default_factory=dict)
    # (activity kind or "", days) -> number of done activities in the window
    done_counts: dict[tuple[str, int], int] = field(default_factory=dict)
    # Facts of kinds a higher app registered (see `register`), by need.
    extra: dict[str, object] = field(default_factory=dict)


def _since(now: datetime, days) -> datetime:
    return now - timedelta(days=int(days))


def load_facts(record, conditions: Iterable[tuple[str, dict]], now=None) -> RecordFacts:
    """Read the contact and activity facts that `conditions` ((kind, params) pairs) need about
    `record`: at most two queries, however many conditions."""
    conditions = [(k, p or {}) for k, p in conditions if k in SPECS]
    facts = RecordFacts(record=record, now=now or timezone.now())
    needs = set().union(*(SPECS[k].needs for k, _ in conditions))
    workspace_id = record.workspace_id
    if "contacts" in needs and record.pk is not None:
        primary = Q(is_primary=True)
        agg = (
            Contact.objects.of(workspace_id)
            .filter(record_id=record.pk)
            .aggregate(
                primary=Count("id", filter=primary),
                phone_ok=Count("id", filter=primary & Q(phone_valid=True)),
                email_ok=Count("id", filter=primary & Q(email_valid=True)),
                reachable=Count("id", filter=~Q(email="") | ~Q(phone_raw="")),
                # At most one primary contact (constraint contact_one_primary): Max reads its value.
                seniority=Max("seniority", filter=primary),
                title=Max("job_title", filter=primary),
            )
        )
        facts.has_primary = bool(agg["primary"])
        facts.primary_phone_valid = bool(agg["phone_ok"])
        facts.primary_email_valid = bool(agg["email_ok"])
        facts.primary_seniority = agg["seniority"] or ""
        facts.primary_title = agg["title"] or ""
        facts.reachable_contacts = agg["reachable"]
    aggregates = {}
    for kind, params in conditions:
        if kind == ConditionKind.ACTIVITY_DONE and params.get("activity_kind"):
            k = params["activity_kind"]
            aggregates[f"last_{k}"] = Max("occurred_at", filter=Q(kind=k))
        elif kind == ConditionKind.ACTIVITY_COUNT and params.get("within_days"):
            k, days = params.get("activity_kind") or "", int(params["within_days"])
            window = Q(occurred_at__gte=_since(facts.now, days)) & (Q(kind=k) if k else Q())
            aggregates[f"count_{k}_{days}"] = Count("id", filter=window)
    if aggregates and record.pk is not None:
        activities = Activity.objects.of(workspace_id).filter(record_id=record.pk, done=True)
        row = activities.aggregate(**aggregates)
        for name, value in row.items():
            what, _, rest = name.partition("_")
            if what == "last":
                if value is not None:
                    facts.last_done[rest] = value
            else:
                k, _, days = rest.rpartition("_")
                facts.done_counts[(k, int(days))] = value or 0
    if record.pk is not None:
        for need in sorted(needs & set(FACT_LOADERS)):
            facts.extra[need] = FACT_LOADERS[need](record, facts.now)
    return facts


# Kinds whose facts live in a higher app (customers: subscriptions) are registered by that app
# at start-up, so records and the pipeline judge them without importing it (imports point down).
FACT_LOADERS: dict[str, Callable[[object, datetime], object]] = {}


def register(spec: KindSpec, *, need: str, loader: Callable[[object, datetime], object]) -> None:
    """Add a condition kind judged on `facts.extra[need]`, which `loader(record, now)` reads
    once per evaluation however many conditions use it. Called from an AppConfig.ready()."""
    SPECS[spec.kind] = spec
    FACT_LOADERS[need] = loader


# --- the Python form ------------------------------------------------------------------------------


def _field_label(params, fields, key="field"):
    ref = fields.get(params.get(key, ""))
    return ref.label if ref else params.get(key, "?")


def _field_ref(key: str) -> FieldRef:
    """The FieldRef for evaluation; custom fields are read from the record's JSON by key."""
    for ref in RECORD_FIELDS:
        if ref.key == key:
            return ref
    return FieldRef(key, key, TEXT)


def _number_value(ref: FieldRef, record):
    """A field's value as a number, or None. A custom field counts only when its JSON value is a
    number (as custom_fields stores them), exactly as the SQL form reads it."""
    value = ref.value(record)
    if ref.key.startswith(CUSTOM_PREFIX) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return None
    return _to_decimal(value)


def _in_range(value, params) -> bool:
    if value is None:
        return False
    low, high = _to_decimal(params.get("min")), _to_decimal(params.get("max"))
    return (low is None or value >= low) and (high is None or value <= high)


def _eval_field_present(facts, params):
    ref = _field_ref(params["field"])
    return not _blank(ref.value(facts.record))


def _eval_field_in(facts, params):
    value = _field_ref(params["field"]).value(facts.record)
    return not _blank(value) and str(value) in params["values"]


def _eval_number_range(facts, params):
    return _in_range(_number_value(_field_ref(params["field"]), facts.record), params)


def _eval_activity_done(facts, params):
    last = facts.last_done.get(params["activity_kind"])
    if last is None:
        return False
    days = params.get("within_days")
    return days is None or last >= _since(facts.now, days)


def _eval_activity_count(facts, params):
    key = (params.get("activity_kind") or "", int(params["within_days"]))
    return facts.done_counts.get(key, 0) >= int(params["min_count"])


def _title_matches(title: str, keywords) -> bool:
    title = (title or "").casefold()
    return bool(title) and any(k.casefold() in title for k in keywords)


# --- the SQL form ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlContext:
    """What the SQL form of a condition is evaluated with: the time windows' `now`, and the
    records the query judges, when known (an id range [low, high) or a list of ids).

    PostgreSQL may run a correlated EXISTS as a hashed subplan: it reads every row its subquery
    selects once and probes a hash per record. Without a bound that is the whole contacts or
    activities table for every chunk of a recompute; narrowed to the chunk's records, it reads
    only theirs (through the indexes that lead with workspace and record)."""

    now: datetime
    records: tuple[int, int] | list[int] | None = None
    workspace: object = None  # a Workspace or its id, when the query is about one workspace

    def narrow(self, queryset):
        if isinstance(self.records, tuple):
            low, high = self.records
            return queryset.filter(record_id__gte=low, record_id__lt=high)
        if self.records is not None:
            return queryset.filter(record_id__in=self.records)
        return queryset


class _JsonNumber(Func):
    """A custom field's value when its JSON value is a number, else NULL (never a cast error)."""

    output_field = FloatField()

    def __init__(self, key: str):
        super().__init__(F("custom_fields"))
        self.key = key

    def as_sql(self, compiler, connection, **extra):  # SQLite (JSON1)
        column, params = compiler.compile(self.source_expressions[0])
        path = f'$."{self.key}"'
        return (
            f"(CASE WHEN json_type({column}, %s) IN ('integer', 'real') "
            f"THEN json_extract({column}, %s) END)",
            (*params, path, *params, path),
        )

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return (
            f"(CASE WHEN jsonb_typeof({column} -> %s) = 'number' "
            f"THEN ({column} ->> %s)::float8 END)",
            (*params, self.key, *params, self.key),
        )


def _custom_key(field_key: str) -> str | None:
    return field_key.removeprefix(CUSTOM_PREFIX) if field_key.startswith(CUSTOM_PREFIX) else None


def _sql_field_present(params, ctx):
    key, ref = params["field"], _field_ref(params["field"])
    custom = _custom_key(key)
    if custom is not None:
        text = KeyTextTransform(custom, "custom_fields")
        json_null = Q(**{f"custom_fields__{custom}": None})  # JSON null (not SQL NULL)
        # A missing key, JSON null, "", [] and {} are blank in the Python form too.
        return Q(IsNull(text, False)) & ~json_null & ~Q(In(text, ["", "[]", "{}"]))
    column = f"{key}_id" if ref.type == USER else key
    if ref.type in (TEXT, CHOICE):
        return Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})
    return Q(**{f"{column}__isnull": False})


def _sql_field_in(params, ctx):
    custom = _custom_key(params["field"])
    if custom is not None:
        return Q(In(KeyTextTransform(custom, "custom_fields"), params["values"]))
    return Q(**{f"{params['field']}__in": params["values"]})


def _sql_number_range(params, ctx):
    custom = _custom_key(params["field"])
    low, high = _to_decimal(params.get("min")), _to_decimal(params.get("max"))
    if custom is not None:
        value = _JsonNumber(custom)
        condition = Q(IsNull(value, False))
        if low is not None:
            condition &= Q(GreaterThanOrEqual(value, float(low)))
        if high is not None:
            condition &= Q(LessThanOrEqual(value, float(high)))
        return condition
    key = params["field"]
    condition = Q(**{f"{key}__isnull": False})
    if low is not None:
        condition &= Q(**{f"{key}__gte": low})
    if high is not None:
        condition &= Q(**{f"{key}__lte": high})
    return condition


def _primary(ctx: SqlContext, condition: Q | None = None) -> Q:
    contacts = ctx.narrow(
        Contact.objects.of(OuterRef("workspace_id")).filter(
            record_id=OuterRef("pk"), is_primary=True
        )
    )
    return Q(Exists(contacts.filter(condition) if condition is not None else contacts))


def _sql_title_contains(params, ctx):
    any_keyword = Q()
    for keyword in params["values"]:
        any_keyword |= Q(job_title__icontains=keyword)
    return _primary(ctx, any_keyword)


def _done_activities(ctx: SqlContext, kind: str = "", days=None):
    activities = ctx.narrow(
        Activity.objects.of(OuterRef("workspace_id")).filter(record_id=OuterRef("pk"), done=True)
    )
    if kind:
        activities = activities.filter(kind=kind)
    if days:
        activities = activities.filter(occurred_at__gte=_since(ctx.now, days))
    return activities.order_by()


def _sql_activity_done(params, ctx):
    return Q(Exists(_done_activities(ctx, params["activity_kind"], params.get("within_days"))))


def _sql_activity_count(params, ctx):
    n = int(params["min_count"])
    kind, days = params.get("activity_kind") or "", params["within_days"]
    if ctx.workspace is not None and ctx.records is not None:
        # One grouped read of the records' activities, hashed, instead of a probe per record.
        counted = ctx.narrow(Activity.objects.of(ctx.workspace).filter(done=True))
        if kind:
            counted = counted.filter(kind=kind)
        counted = counted.filter(occurred_at__gte=_since(ctx.now, days))
        enough = (
            counted.order_by()
            .values("record_id")
            .annotate(n=Count("id"))
            .filter(n__gte=n)
            .values("record_id")
        )
        return Q(pk__in=enough)
    activities = _done_activities(ctx, kind, days)
    # EXISTS (... LIMIT 1 OFFSET n-1): true when there are at least n, and stops at the n-th.
    return Q(Exists(activities.values("pk")[n - 1 : n]))


# --- descriptions -------------------------------------------------------------------------------


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


def _describe_count(params, fields):
    kind = params.get("activity_kind")
    what = f"{ActivityKind(kind).label.lower()} activities" if kind else "activities"
    return f"At least {params['min_count']} {what} done in the last {params['within_days']} days"


def _seniority_labels(values) -> str:
    labels = dict(Seniority.choices)
    return ", ".join(labels.get(v, v) for v in values)


def _short_list(values, limit: int = 6) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


_ALL_FIELD_TYPES = (TEXT, CHOICE, NUMBER, DATE, USER, BOOLEAN)
_KEYWORDS_HELP = "Separate keywords with commas; any one of them in the title is enough."

SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            ConditionKind.FIELD_PRESENT,
            (Param("field", "Field", FIELD, field_types=_ALL_FIELD_TYPES),),
            _eval_field_present,
            lambda p, f: f"{_field_label(p, f)} is filled in",
            sql=_sql_field_present,
            unmet=lambda p, f: f"{_field_label(p, f)} is empty",
        ),
        KindSpec(
            ConditionKind.FIELD_IN,
            (
                Param("field", "Field", FIELD, field_types=(TEXT, CHOICE)),
                Param("values", "Allowed values", VALUES, help="Separate values with commas."),
            ),
            _eval_field_in,
            lambda p, f: f"{_field_label(p, f)} is one of: {_short_list(p['values'])}",
            sql=_sql_field_in,
            unmet=lambda p, f: f"{_field_label(p, f)} not in target list",
        ),
        KindSpec(
            ConditionKind.NUMBER_RANGE,
            (
                Param("field", "Field", FIELD, field_types=(NUMBER,)),
                Param("min", "Minimum", DECIMAL, required=False),
                Param("max", "Maximum", DECIMAL, required=False),
            ),
            _eval_number_range,
            _describe_range,
            sql=_sql_number_range,
            unmet=lambda p, f: f"{_field_label(p, f)} not in range ({_describe_range(p, f)})",
        ),
        KindSpec(
            ConditionKind.CONTACT_PHONE_VALID,
            (),
            lambda facts, p: facts.primary_phone_valid,
            lambda p, f: "The primary contact's phone number is valid",
            frozenset({"contacts"}),
            sql=lambda p, ctx: _primary(ctx, Q(phone_valid=True)),
        ),
        KindSpec(
            ConditionKind.CONTACT_EMAIL_VALID,
            (),
            lambda facts, p: facts.primary_email_valid,
            lambda p, f: "The primary contact's e-mail address is valid",
            frozenset({"contacts"}),
            sql=lambda p, ctx: _primary(ctx, Q(email_valid=True)),
        ),
        KindSpec(
            ConditionKind.CONTACT_SENIORITY_IN,
            (
                Param(
                    "values", "Seniorities", VALUES, options=tuple(Seniority.choices), max_items=10
                ),
            ),
            lambda facts, p: facts.primary_seniority in p["values"],
            lambda p, f: f"Primary contact is {_seniority_labels(p['values'])}",
            frozenset({"contacts"}),
            sql=lambda p, ctx: _primary(ctx, Q(seniority__in=p["values"])),
            unmet=lambda p, f: "Primary contact's seniority not in target list",
        ),
        KindSpec(
            ConditionKind.CONTACT_TITLE_CONTAINS,
            (
                Param(
                    "values",
                    "Keywords",
                    VALUES,
                    help=_KEYWORDS_HELP,
                    max_items=50,
                    max_item_length=60,
                ),
            ),
            lambda facts, p: _title_matches(facts.primary_title, p["values"]),
            lambda p, f: f"Primary contact's job title mentions {_short_list(p['values'])}",
            frozenset({"contacts"}),
            sql=_sql_title_contains,
            unmet=lambda p, f: "Primary contact's job title has none of the keywords",
        ),
        KindSpec(
            ConditionKind.ICP_AT_LEAST,
            (Param("min", "Minimum ICP score", INTEGER, min_value=0, max_value=100),),
            lambda facts, p: (
                facts.record.icp_score is not None and facts.record.icp_score >= p["min"]
            ),
            lambda p, f: f"ICP score at least {p['min']}",
            sql=lambda p, ctx: Q(icp_score__gte=p["min"]),
        ),
        KindSpec(
            ConditionKind.ACTIVITY_DONE,
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
            sql=_sql_activity_done,
        ),
        KindSpec(
            ConditionKind.ACTIVITY_COUNT,
            (
                Param("min_count", "At least", INTEGER, min_value=1, max_value=1000),
                Param(
                    "within_days",
                    "Within the last … days",
                    INTEGER,
                    min_value=1,
                    max_value=3650,
                ),
                Param(
                    "activity_kind",
                    "Activity",
                    OPTION,
                    required=False,
                    options=tuple(ActivityKind.choices),
                    help="Leave empty to count every kind.",
                ),
            ),
            _eval_activity_count,
            _describe_count,
            frozenset({"activities"}),
            sql=_sql_activity_count,
        ),
        KindSpec(
            ConditionKind.FLAG_SET,
            (Param("flag", "Flag", OPTION, options=tuple(FLAGS.items())),),
            lambda facts, p: bool(getattr(facts.record, p["flag"])),
            lambda p, f: FLAGS.get(p["flag"], p["flag"]),
            sql=lambda p, ctx: Q(**{p["flag"]: True}),
            unmet=lambda p, f: f"Not yet: {FLAGS.get(p['flag'], p['flag']).lower()}",
        ),
        KindSpec(
            ConditionKind.HAS_CONTACT,
            (),
            lambda facts, p: bool(facts.record.name) and facts.reachable_contacts > 0,
            lambda p, f: "A company name and a contact with an e-mail or phone number",
            frozenset({"contacts"}),
            sql=lambda p, ctx: ~Q(name="") & Q(_contacts_reachable(ctx)),
        ),
    )
}


def _contacts_reachable(ctx: SqlContext) -> Exists:
    return Exists(
        ctx.narrow(Contact.objects.of(OuterRef("workspace_id"))).filter(
            Q(record_id=OuterRef("pk")) & (~Q(email="") | ~Q(phone_raw=""))
        )
    )


def evaluate_condition(kind: str, params: dict, facts: RecordFacts) -> bool:
    """The Python form: is the condition met by the record the facts were loaded for?"""
    return bool(SPECS[kind].evaluate(facts, params))


def sql_condition(kind: str, params: dict, now: datetime, *, records=None, workspace=None) -> Q:
    """The SQL form: a condition over records_record for filter() or When(). `records` (an id
    range (low, high) or a list of ids) and `workspace` say which records the query will judge:
    subqueries then read only their contacts and activities (see SqlContext)."""
    return SPECS[kind].sql(params, SqlContext(now, records, workspace))


def describe_condition(kind: str, params: dict, fields: dict[str, FieldRef]) -> str:
    spec = SPECS.get(kind)
    return spec.describe(params, fields) if spec else kind


def explain_condition(kind, params, met: bool, facts, fields: dict[str, FieldRef]) -> str:
    """What a record's explanation says: "industry is Software", "country not in target list"."""
    spec = SPECS[kind]
    if kind == ConditionKind.FIELD_IN and met:
        value = _field_ref(params["field"]).value(facts.record)
        return f"{_field_label(params, fields)} is {value}"
    if kind == ConditionKind.NUMBER_RANGE and met:
        value = _number_value(_field_ref(params["field"]), facts.record)
        return (
            f"{_field_label(params, fields)} is {_num(value)} ({_describe_range(params, fields)})"
        )
    if kind == ConditionKind.CONTACT_SENIORITY_IN and met:
        return f"Primary contact is {_seniority_labels([facts.primary_seniority])}"
    if kind == ConditionKind.CONTACT_TITLE_CONTAINS and met:
        return f"Primary contact is {facts.primary_title}"
    if met or spec.unmet is None:
        text = spec.describe(params, fields)
        return text if met else f"Not met: {text[0].lower()}{text[1:]}"
    return spec.unmet(params, fields)


__all__ = [
    "FIELD",
    "OPTION",
    "SPECS",
    "VALUES",
    "ConditionKind",
    "FieldRef",
    "RecordFacts",
    "available_fields",
    "clean_params",
    "describe_condition",
    "evaluate_condition",
    "explain_condition",
    "load_facts",
    "register",
    "sql_condition",
]
