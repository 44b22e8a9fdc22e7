"""The records list's filters. Every value arrives in the URL, so a filtered list can be shared;
a value that is not valid (an unknown choice, a word where a number goes) is reported beside its
filter with status 400 and left out of the query."""

import functools
from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from playbook.forms import BaseForm
from records import custom_fields as cf
from records import search
from records.forms import CountryField, CustomNumberField
from records.models import (
    Contact,
    CustomFieldDefinition,
    CustomFieldKind,
    Record,
    RecordStatus,
    Source,
)
from records.selectors.records import active_members, overdue_task_exists

SEARCH_MAX = 100
# Three characters at least: one or two letters start nearly every word.
SEARCH_MIN = 3
SEARCH_DENSE = 500

OWNER_ANY, OWNER_ME, OWNER_NONE = "any", "me", "null"
# Roles that work their own records: the list opens on "Owner: Me" for them.
DEFAULT_MINE = ("sdr", "ae", "se", "csm", "renewals")


def mine_by_default(membership) -> bool:
    return membership is not None and membership.role in DEFAULT_MINE


def with_default_owner(params, membership):
    """The list's query with the role's default owner filled in when none was asked for."""
    if "owner" in params or not mine_by_default(membership):
        return params
    params = params.copy()
    params["owner"] = OWNER_ME
    return params


def _start_of_day(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class CountryFilter(django_filters.CharFilter):
    field_class = CountryField


class CustomNumberFilter(django_filters.NumberFilter):
    field_class = CustomNumberField


class RecordFilterForm(BaseForm):
    def clean(self):
        data = super().clean()
        low, high = data.get("icp_min"), data.get("icp_max")
        if low is not None and high is not None and low > high:
            self.add_error("icp_max", "Must not be below “ICP at least”.")
        after, before = data.get("created_after"), data.get("created_before")
        if after and before and after > before:
            self.add_error("created_before", "Must not be before “Created from”.")
        return data


class RecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, domain or contact e-mail"}
        ),
    )
    # "Me" is whoever looks (a shared link shows each viewer their own records); reps open the
    # list on it (DEFAULT_MINE), so "Anyone" has a value of its own ("any") to say otherwise.
    owner = django_filters.ChoiceFilter(
        choices=[], method="filter_owner", empty_label=None, label="Owner"
    )
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label="Any source")
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, empty_label="Any status")
    industry = django_filters.CharFilter(lookup_expr="iexact")
    country = CountryFilter(
        widget=forms.TextInput(attrs={"list": "countries", "placeholder": "Any country"})
    )
    icp_min = django_filters.NumberFilter(
        label="ICP at least", field_name="icp_score", lookup_expr="gte", min_value=0
    )
    icp_max = django_filters.NumberFilter(
        label="ICP at most", field_name="icp_score", lookup_expr="lte", min_value=0
    )
    created_after = django_filters.DateFilter(
        label="Created from",
        method="filter_created_after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        label="Created until",
        method="filter_created_before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label="Has an overdue task", method="filter_overdue", widget=forms.CheckboxInput
    )
    # The stage a record is in: the dashboards' drill-downs (an SDR's MQLs by ICP score) link
    # here with it. Choices are the workspace's stages, filled in __init__.
    stage = django_filters.ChoiceFilter(
        choices=[], field_name="stage_id", empty_label="Any stage", label="Stage"
    )
    unscored = django_filters.BooleanFilter(
        label="No ICP score yet", method="filter_unscored", widget=forms.CheckboxInput
    )

    class Meta:
        model = Record
        fields = []
        form = RecordFilterForm

    def __init__(self, data=None, queryset=None, *, workspace, definitions=(), **kw):
        self.workspace = workspace
        self.definitions = list(definitions)
        self.search_too_short = False
        # A common word: its matches are walked in the list's order, page by page; counting
        # them (even to a cap) would walk thousands of rows, so the list shows no count.
        self.search_dense = False
        super().__init__(data, queryset, **kw)
        # A callable: the members are read only when the select is drawn or a member's id is
        # checked (the htmx answer with the results alone never reads them).
        self.filters["owner"].extra["choices"] = functools.cache(
            lambda: [
                (OWNER_ANY, "Anyone"),
                (OWNER_ME, "Me"),
                (OWNER_NONE, "Unassigned"),
                *[(str(user.pk), str(user)) for user in active_members(workspace)],
            ]
        )
        # The stage model is the pipeline's; reached through the field, records needs no
        # import of the app above it.
        stages = Record._meta.get_field("stage").related_model.objects.of(workspace)
        self.filters["stage"].extra["choices"] = [
            (str(pk), name)
            for pk, name in stages.filter(is_retired=False).values_list("pk", "name")
        ]
        for definition in self.definitions:
            for name, filter_ in _custom_filters(definition).items():
                filter_.model, filter_.parent = Record, self
                self.filters[name] = filter_

    # The standard fields come first in the bar; custom fields go under "More filters".
    BASIC = ("q", "owner", "stage", "status", "source", "overdue")

    def basic_fields(self):
        return [self.form[name] for name in self.BASIC]

    def more_fields(self):
        return [self.form[name] for name in self.filters if name not in self.BASIC]

    def is_active(self) -> bool:
        return any(self.data.get(name) for name in self.form.fields)

    def filter_search(self, queryset, name, value):
        term = value.strip()[:SEARCH_MAX]
        if len(term) < SEARCH_MIN:
            self.search_too_short = bool(term)
            return queryset
        if connection.vendor != "postgresql":
            return self._substring_search(queryset, term)
        found_words = search.words(term)
        if not found_words:
            return queryset.none()
        by_company = (
            Record.objects.of(self.workspace)
            .live()
            .filter(search.record_matches(found_words))
            .values("id")
        )
        by_email = Contact.objects.of(self.workspace).filter(search.contact_matches(found_words))
        # One bounded probe (GIN indexes) picks the plan. Rare words (a company, a person) have
        # few matches: collect and sort those. A common one matches much of the list: walk the
        # list's own order and test each row until a page is full (records.search).
        found = list(by_company.union(by_email.values("record_id"), all=True)[:SEARCH_DENSE])
        if len(found) < SEARCH_DENSE:
            return queryset.filter(pk__in={row["id"] for row in found})
        self.search_dense = True
        return queryset.filter(search.record_or_contact_matches_row_by_row(found_words))

    def _substring_search(self, queryset, term):
        """Other databases (SQLite in development): every word of the term is in the name or
        domain, or every word is in one contact's e-mail; scanned (fine at a development
        database's size)."""
        found_words = search.words(term)
        if not found_words:
            return queryset.none()
        in_company, in_email = Q(), Q()
        for word in found_words:
            in_company &= Q(name__icontains=word) | Q(domain__icontains=word)
            in_email &= Q(email__icontains=word)
        by_email = Contact.objects.of(self.workspace).filter(in_email)
        return queryset.filter(in_company | Exists(by_email.filter(record_id=OuterRef("pk"))))

    def filter_owner(self, queryset, name, value):
        if value in ("", OWNER_ANY):
            return queryset
        if value == OWNER_ME:
            user = getattr(self.request, "user", None)
            return queryset.filter(owner_id=user.pk if user else None)
        if value == OWNER_NONE:
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=int(value))

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of_day(value))

    def filter_created_before(self, queryset, name, value):
        if value == date.max:
            return queryset  # the calendar's last day has no next day to stop before
        return queryset.filter(created_at__lt=_start_of_day(value + timedelta(days=1)))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_task_exists()) if value else queryset

    def filter_unscored(self, queryset, name, value):
        return queryset.filter(icp_score__isnull=True) if value else queryset


def _custom_lookup(key: str, lookup: str, convert=lambda v: v):
    """A filter method comparing custom_fields[key]; the key is taken as a JSON key, never as
    a lookup name, whatever it spells."""

    def method(queryset, name, value):
        if value in (None, ""):
            return queryset
        alias = f"cf_{key}"
        return queryset.alias(**{alias: KeyTransform(key, "custom_fields")}).filter(
            **{f"{alias}__{lookup}": convert(value)}
        )

    return method


def _custom_filters(definition: CustomFieldDefinition) -> dict:
    name, label, key = cf.form_name(definition), definition.label, definition.key
    kind = definition.kind
    if kind == CustomFieldKind.NUMBER:
        return {
            f"{name}__min": CustomNumberFilter(
                label=f"{label} at least", method=_custom_lookup(key, "gte", cf.parse_number)
            ),
            f"{name}__max": CustomNumberFilter(
                label=f"{label} at most", method=_custom_lookup(key, "lte", cf.parse_number)
            ),
        }
    if kind == CustomFieldKind.DATE:
        date_input = forms.DateInput(attrs={"type": "date"})
        return {
            f"{name}__from": django_filters.DateFilter(
                label=f"{label} from",
                method=_custom_lookup(key, "gte", lambda d: d.isoformat()),
                widget=date_input,
            ),
            f"{name}__to": django_filters.DateFilter(
                label=f"{label} until",
                method=_custom_lookup(key, "lte", lambda d: d.isoformat()),
                widget=date_input,
            ),
        }
    if kind == CustomFieldKind.CHOICE:
        return {
            name: django_filters.ChoiceFilter(
                label=label,
                choices=[(c, c) for c in definition.choices],
                empty_label=f"Any {label.lower()}",
                method=_custom_lookup(key, "exact"),
            )
        }
    if kind == CustomFieldKind.BOOLEAN:
        return {
            name: django_filters.ChoiceFilter(
                label=label,
                choices=[("yes", "Yes"), ("no", "No")],
                empty_label="Either",
                method=_custom_lookup(key, "exact", lambda v: v == "yes"),
            )
        }
    return {name: django_filters.CharFilter(label=label, method=_custom_lookup(key, "icontains"))}
