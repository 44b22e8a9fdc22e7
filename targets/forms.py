from decimal import Decimal

from django import forms

from playbook.forms import BaseForm
from playbook.models import Team
from records.models import Source
from targets import periods
from targets.models import SOURCE_METRICS, Metric, Scope
from targets.planner import DEFAULTS, Plan

MONTHS = [(0, "Whole year")] + [(i, f"{i:02d}") for i in range(1, 13)]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class TargetForm(BaseForm):
    metric = forms.ChoiceField(choices=Metric.choices)
    year = forms.IntegerField(min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(choices=MONTHS, coerce=int, initial=0, label="Period")
    scope = forms.ChoiceField(choices=Scope.choices, initial=Scope.WORKSPACE)
    team = forms.ChoiceField(choices=[("", "—"), *Team.choices], required=False)
    user = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Person")
    source = forms.ChoiceField(
        choices=[("", "—"), *Source.choices], required=False, label="Lead source"
    )
    value = forms.DecimalField(max_digits=14, decimal_places=2)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—"), *[(m.user_id, str(m.user)) for m in members]]

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value < 0:
            raise forms.ValidationError("A target cannot be negative.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("scope") == Scope.TEAM and not data.get("team"):
            self.add_error("team", "Choose the team this target is for.")
        if data.get("scope") == Scope.PERSON and not data.get("user"):
            self.add_error("user", "Choose the person this target is for.")
        if data.get("scope") == Scope.SOURCE:
            if not data.get("source"):
                self.add_error("source", "Choose the lead source this target is for.")
            if data.get("metric") and data["metric"] not in SOURCE_METRICS:
                self.add_error(
                    "metric", "Only leads, MQLs, SQLs, opportunities and wins have a lead source."
                )
        return data

    def service_kwargs(self):
        return {k: self.cleaned_data[k] for k in self.fields}


class CurveForm(BaseForm):
    name = forms.CharField(max_length=80)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i, label in enumerate(MONTH_NAMES):
            self.fields[f"m{i + 1}"] = forms.DecimalField(
                label=f"{label} %", min_value=0, max_digits=5, decimal_places=2
            )

    def month_fields(self):
        return [self[f"m{i}"] for i in range(1, 13)]

    def service_kwargs(self):
        return {
            "name": self.cleaned_data["name"],
            "weights": [self.cleaned_data[f"m{i}"] for i in range(1, 13)],
        }


class SpreadMonthsForm(BaseForm):
    """Empty for "evenly", else a curve's id (looked up in the workspace: another's is 404)."""

    curve = forms.IntegerField(required=False, min_value=1)


class SharesForm(BaseForm):
    """One percentage per team member (named share_<user id>)."""

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for m in self.members:
            self.fields[f"share_{m.user_id}"] = forms.DecimalField(
                label=str(m.user),
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=(Decimal(100) / len(self.members)).quantize(Decimal("0.01")),
            )

    def shares(self) -> dict[int, Decimal]:
        return {m.user_id: self.cleaned_data[f"share_{m.user_id}"] for m in self.members}


def _percent(label):
    return forms.DecimalField(
        label=label,
        max_digits=6,
        decimal_places=2,
        error_messages={"invalid": "Enter a percentage."},
    )


class PlanForm(BaseForm):
    """The planner's inputs. Rates are percentages in (0, 100]."""

    RATES = ("win_rate", "lead_to_mql", "mql_to_sql", "sql_to_opportunity")

    year = forms.IntegerField(min_value=2000, max_value=2100)
    new_arr = forms.DecimalField(label="New-ARR target", min_value=1, max_digits=14)
    acv = forms.DecimalField(label="Average contract value (ARR)", min_value=1, max_digits=14)
    win_rate = _percent("Win rate (%)")
    lead_to_mql = _percent("Lead → MQL (%)")
    mql_to_sql = _percent("MQL → SQL (%)")
    sql_to_opportunity = _percent("SQL → Opportunity (%)")
    sales_cycle_days = forms.DecimalField(
        label="Sales cycle (days)", min_value=0, max_value=3650, max_digits=6
    )
    ae_quota = forms.DecimalField(label="AE quota (new ARR a year)", min_value=1, max_digits=14)
    companies_per_sdr = forms.DecimalField(
        label="Companies an inbound SDR handles", min_value=1, max_digits=6
    )
    aes_per_outbound_sdr = forms.DecimalField(
        label="AEs per outbound SDR", min_value=1, max_value=10, max_digits=4, decimal_places=1
    )
    curve = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Spread over the year"
    )
    confirm_defaults = forms.BooleanField(
        required=False, label="I checked the assumptions marked “default” and they apply to us"
    )

    def __init__(self, *args, curves=(), defaults_used=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.curves = {c.pk: c for c in curves}
        self.fields["curve"].choices = [("", "Evenly"), *[(c.pk, c.name) for c in curves]]
        self.defaults_used = list(defaults_used)

    def clean(self):
        data = super().clean()
        for name in self.RATES:
            value = data.get(name)
            if value is not None and not Decimal(0) < value <= Decimal(100):
                self.add_error(name, "A rate must be above 0 % and at most 100 %.")
        return data

    def require_confirmation(self):
        """Distributing a plan that rests on defaults needs the leader's confirmation."""
        if self.defaults_used and not self.cleaned_data.get("confirm_defaults"):
            self.add_error(
                "confirm_defaults",
                "Some assumptions are defaults, not your history: check them and confirm.",
            )
            return False
        return True

    def plan(self) -> Plan:
        data = self.cleaned_data
        curve = self.curves.get(data.get("curve"))
        fields = {k: data[k] for k in DEFAULTS}
        return Plan(
            year=data["year"],
            new_arr=data["new_arr"],
            curve=curve.shares if curve else [Decimal(1)] * 12,
            **fields,
        )


class MonthRangeForm(BaseForm):
    """?from=YYYY-MM&to=YYYY-MM of the metrics page and CSV."""

    def __init__(self, data, *, default: tuple[int, int]):
        super().__init__(data)
        self.default = default

    def clean(self):
        raw_from, raw_to = self.data.get("from"), self.data.get("to")
        try:
            first = periods.parse(raw_from) if raw_from else self.default[0]
            last = periods.parse(raw_to) if raw_to else self.default[1]
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if first > last:
            raise forms.ValidationError("“From” is after “to”: choose an earlier start month.")
        if last - first >= 120:
            raise forms.ValidationError("Choose at most ten years (120 months).")
        return {"first": first, "last": last}
