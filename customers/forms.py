"""Forms of the customers pages. Amounts arrive as text and are checked by the services, so a
wrong value gets the same message through a form as through an import or a shell."""

from django import forms

from customers.models import ChurnReason
from playbook.csvio import decode_upload
from playbook.forms import BaseForm

PER_CHOICES = [("month", "per month (MRR)"), ("year", "per year (ARR)")]


class StrictDateField(forms.DateField):
    """YYYY-MM-DD only, and a message that names the wrong value ("2025-02-30")."""

    input_formats = ["%Y-%m-%d"]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                f"“{value}” is not a date. Give it as YYYY-MM-DD.", code="invalid"
            ) from None


def _amount(label="MRR", **kwargs):
    return forms.CharField(
        label=label, max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs
    )


def _term(**kwargs):
    return forms.CharField(
        label="Term (months)",
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


def _people(members, empty: str):
    return [("", empty)] + [(str(m.user_id), str(m.user)) for m in members]


class WinForm(BaseForm):
    """Moving a record to Won: the first subscription and the handoff to Customer Success."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    to_stage = forms.IntegerField(widget=forms.HiddenInput)
    next = forms.CharField(widget=forms.HiddenInput, required=False)
    plan = forms.CharField(max_length=120)
    amount = _amount("Amount")
    per = forms.ChoiceField(label="The amount is", choices=PER_CHOICES, initial="month")
    started_on = StrictDateField(label="Start date")
    term_months = _term(initial=12)
    auto_renew = forms.BooleanField(label="Renews automatically", required=False)
    external_id = forms.CharField(
        label="Billing id",
        max_length=100,
        required=False,
        help_text="The subscription's id in your billing system, if you know it.",
    )
    goals = forms.CharField(
        label="Customer's goals",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the customer wants to achieve with the product.",
    )
    stakeholders = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    risks = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    promises = forms.CharField(
        label="Promises made", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    csm = forms.ChoiceField(label="Customer success manager", required=False)
    renewal_owner = forms.ChoiceField(label="Renewal owner", required=False)

    def __init__(self, *args, csms=(), renewal_reps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["csm"].choices = _people(csms, "Next in Customer Success (round-robin)")
        self.fields["renewal_owner"].choices = _people(
            renewal_reps, "Next in Renewals (round-robin)"
        )


class SubscriptionForm(BaseForm):
    """A cross-sell: another subscription for the customer."""

    plan = forms.CharField(max_length=120)
    mrr = _amount()
    started_on = StrictDateField(label="Start date")
    term_months = _term(initial=12)
    auto_renew = forms.BooleanField(label="Renews automatically", required=False)
    external_id = forms.CharField(label="Billing id", max_length=100, required=False)
    note = forms.CharField(required=False, max_length=500)


class VersionedForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=500)


class ChangeMrrForm(VersionedForm):
    """Upsell or downgrade: the subscription's new MRR from a date."""

    mrr = _amount("New MRR")
    effective_on = StrictDateField(label="From")


class RenewForm(VersionedForm):
    mrr = _amount("MRR of the new term", required=False, help_text="Empty: the same price.")
    term_months = _term(required=False, help_text="Empty: the same term.")
    effective_on = StrictDateField(label="Signed on", required=False)


class CancelForm(VersionedForm):
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *ChurnReason.choices])
    effective_on = StrictDateField(label="Cancelled from", required=False)


class ReactivateForm(VersionedForm):
    mrr = _amount()
    term_months = _term(required=False, help_text="Empty: the same term as before.")
    effective_on = StrictDateField(label="Pays again from", required=False)


class RenewalsFilterForm(BaseForm):
    window = forms.TypedChoiceField(
        label="Due within",
        choices=[(w, f"{w} days") for w in (30, 60, 90, 120)],
        coerce=int,
        required=False,
        initial=120,
    )
    owner = forms.ChoiceField(label="Renewal owner", required=False)
    hidden = forms.BooleanField(label="Show snoozed and dismissed", required=False)
    upcoming = forms.BooleanField(label="Only upcoming", required=False)
    outcome = forms.ChoiceField(
        label="Ended this quarter",
        choices=[("", "—"), ("renewed", "Renewed"), ("churned", "Churned")],
        required=False,
        help_text="Terms that ended this quarter with that outcome (instead of the window).",
    )
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Everyone")] + [
            (str(m.user_id), str(m.user)) for m in members
        ]


class AlertSnoozeForm(BaseForm):
    until = StrictDateField(label="Snooze until")
    reason = forms.CharField(max_length=200)


class AlertDismissForm(BaseForm):
    reason = forms.CharField(max_length=200)


class SurveyForm(BaseForm):
    kind = forms.ChoiceField(choices=[("nps", "NPS (0-10)"), ("csat", "CSAT (1-5)")])
    score = forms.CharField(max_length=5, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    responded_on = StrictDateField(label="Answered on")
    contact = forms.ChoiceField(required=False)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "—")] + [(str(c.pk), str(c)) for c in contacts]


ENGAGEMENT_KINDS = [
    ("meeting", "Meeting"),
    ("training", "Training / onboarding"),
    ("qbr", "QBR"),
    ("support", "Support"),
    ("call", "Call"),
    ("email", "E-mail"),
]


class EngagementForm(BaseForm):
    kind = forms.ChoiceField(choices=ENGAGEMENT_KINDS)
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    occurred_on = StrictDateField(label="On")


class CsvUploadForm(BaseForm):
    file = forms.FileField(label="CSV file")

    def text(self) -> str:
        """The file's text; ValidationError when it is not a UTF-8 CSV file (a workbook, a PDF,
        another encoding), with what to do (playbook.csvio, like the records import)."""
        return decode_upload(self.cleaned_data["file"].read())


HEALTH_CHOICES = [
    ("", "Any health"),
    ("healthy", "Healthy (70+)"),
    ("at_risk", "At risk (40-69)"),
    ("critical", "Critical (<40)"),
    ("below_70", "At risk or critical (<70)"),
    ("unscored", "Not scored"),
]


class CustomerFilterForm(BaseForm):
    csm = forms.ChoiceField(label="CSM", required=False)
    health = forms.ChoiceField(choices=HEALTH_CHOICES, required=False)
    renewal = forms.TypedChoiceField(
        label="Renewal within",
        choices=[("", "Any time"), *[(w, f"{w} days") for w in (30, 60, 90, 120)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    mrr_min = forms.DecimalField(label="MRR from", required=False, max_digits=14, decimal_places=2)
    mrr_max = forms.DecimalField(label="MRR to", required=False, max_digits=14, decimal_places=2)
    due = forms.BooleanField(label="Engagement due", required=False)
    renewal_owner = forms.ChoiceField(label="Renewal owner", required=False)
    upsell = forms.BooleanField(label="Open upsell", required=False)
    answered = forms.ChoiceField(
        label="Answered (90 days)",
        choices=[("", "Any"), ("nps", "An NPS survey"), ("csat", "A CSAT survey")],
        required=False,
    )
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        people = [(str(m.user_id), str(m.user)) for m in members]
        self.fields["csm"].choices = [("", "Every CSM"), *people]
        self.fields["renewal_owner"].choices = [("", "Anyone"), *people]


class CustomerSettingsForm(BaseForm):
    time_zone = forms.CharField(
        max_length=64, help_text="An IANA name such as Europe/Berlin: the workspace's day."
    )
    renewal_grace_days = forms.IntegerField(min_value=0, max_value=365)
    engagement_days = forms.IntegerField(min_value=1, max_value=365)

    def __init__(self, *args, signals=(), **kwargs):
        super().__init__(*args, **kwargs)
        for signal in signals:
            self.fields[f"weight_{signal.key}"] = forms.IntegerField(
                label=f"Weight: {signal.label.format(days='N')}", min_value=0, max_value=100
            )

    def clean_time_zone(self):
        import zoneinfo

        value = self.cleaned_data["time_zone"].strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(f"“{value}” is not a time zone name.") from None
        return value


class OpportunityForm(BaseForm):
    kind = forms.ChoiceField(choices=[("upsell", "Upsell"), ("cross_sell", "Cross-sell")])
    subscription = forms.ChoiceField(
        required=False, help_text="For an upsell: the subscription that grows."
    )
    plan = forms.CharField(max_length=120, required=False, help_text="For a cross-sell.")
    expected_mrr = _amount("Expected MRR", help_text="Upsell: the subscription's MRR after it.")
    close_date = StrictDateField(label="Expected close")
    owner = forms.ChoiceField(required=False)
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, subscriptions=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subscription"].choices = [("", "—")] + [
            (str(s.pk), f"{s} ({s.mrr})") for s in subscriptions if s.is_active
        ]
        self.fields["owner"].choices = [("", "Me")] + [
            (str(m.user_id), str(m.user)) for m in members
        ]
