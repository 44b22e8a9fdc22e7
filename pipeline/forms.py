from django import forms

from pipeline.models import RuleKind
from playbook.forms import BaseForm
from playbook.models import Team
from records.conditions.forms import ConditionForm
from records.models import ForecastCategory

TEAM_CHOICES = Team.choices


class StageForm(BaseForm):
    name = forms.CharField(max_length=60)
    team = forms.ChoiceField(label="Owning team", choices=TEAM_CHOICES)
    handoff_team = forms.ChoiceField(
        label="Handed to",
        choices=[("", "The owning team works it"), *TEAM_CHOICES],
        required=False,
        help_text="The team that works records in this stage, when another team owns it "
        "(MQL: owned by Marketing, handed to Inside Sales).",
    )
    definition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What the stage means: the agreement between the teams.",
    )
    # Numbers arrive as text and are checked by the service, so a wrong value gets the same
    # message through the form as through any other caller.
    probability = forms.CharField(
        label="Probability (%)", widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    sla_days = forms.CharField(
        label="SLA days",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="How long a record may stay in the stage. Empty: no limit.",
    )
    is_won = forms.BooleanField(label="Counts as won", required=False)
    is_closed = forms.BooleanField(
        label="Closes the deal (no longer in the open pipeline)", required=False
    )

    @classmethod
    def for_stage(cls, stage, data=None):
        initial = {
            "name": stage.name,
            "team": stage.team,
            "handoff_team": stage.handoff_team,
            "definition": stage.definition,
            "probability": stage.probability,
            "sla_days": "" if stage.sla_days is None else stage.sla_days,
            "is_won": stage.is_won,
            "is_closed": stage.is_closed,
        }
        return cls(data, initial=initial)


class RuleForm(ConditionForm):
    """A rule's kind, its kind-specific parameters and the message a rep reads. The parameter
    fields come from the kind's spec in records.conditions; their values are validated there."""

    message = forms.CharField(
        label="Message when not met",
        max_length=200,
        help_text="Plain words a rep can act on, e.g. “Set the deal's expected close date.”",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, kinds=RuleKind.choices, **kwargs)
        self.fields["kind"].label = "Rule"
        self.order_fields(["kind", "message"])

    @classmethod
    def for_rule(cls, rule, *, fields_available, data=None, kind_url=""):
        initial = {"kind": rule.kind, "message": rule.message}
        initial.update(cls.initial_params(rule.params, rule.kind))
        return cls(
            data,
            initial=initial,
            kind=(data or {}).get("kind") or rule.kind,
            fields_available=fields_available,
            kind_url=kind_url,
        )


class AdvanceForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.TypedChoiceField(
        label="New owner",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Empty: round-robin among the receiving team.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, owner_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", "Round-robin"),
            *[(m.user_id, str(m.user)) for m in owner_choices],
        ]


class BackForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    # The owner the panel names ("moving back hands it to ..."): the move goes to exactly them.
    owner = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LostForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.TypedChoiceField(label="Reason", coerce=int)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            ("", "Choose a reason"),
            *[(r.pk, r.label) for r in reasons],
        ]


class NurtureForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="E.g. “Wrong phone number”, “Not ready this year”.",
    )


class ReopenForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ForecastForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    forecast_category = forms.ChoiceField(
        label="Forecast category",
        choices=ForecastCategory.choices,
        help_text="Your call on the deal: commit = you expect to close it as forecast.",
    )


class BoardMoveForm(BaseForm):
    to_stage = forms.IntegerField()
    version = forms.IntegerField(required=False)


class HandoffMoveForm(BaseForm):
    """The new-owner dialog's confirmation: the move, and the owner the dialog named (so the
    move hands the record to exactly the person the user saw, not to a later round-robin pick)."""

    to_stage = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label="Note for the new owner",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UndoMoveForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class LostReasonForm(BaseForm):
    label = forms.CharField(label="Reason", max_length=200)


class LostReasonUpdateForm(LostReasonForm):
    is_active = forms.BooleanField(label="Offered when marking lost", required=False)
