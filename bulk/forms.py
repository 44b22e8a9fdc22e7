"""The second step of a bulk action: what to do to the selected records."""

from django import forms

from bulk.models import BulkKind
from playbook.forms import BaseForm


class AssignForm(BaseForm):
    owner = forms.ModelChoiceField(label="New owner", queryset=None)

    def __init__(self, *args, members, stages=None, **kw):
        super().__init__(*args, **kw)
        self.fields["owner"].queryset = members

    def params(self) -> dict:
        owner = self.cleaned_data["owner"]
        return {"owner_id": owner.pk, "owner_name": owner.display_name}


class TaskForm(BaseForm):
    title = forms.CharField(label="Task", max_length=200)
    due = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.ModelChoiceField(label="Assigned to", queryset=None)

    def __init__(self, *args, members, stages=None, **kw):
        super().__init__(*args, **kw)
        self.fields["assignee"].queryset = members

    def params(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"].strip(),
            "due": data["due"].isoformat(),
            "assignee_id": data["assignee"].pk,
            "assignee_name": data["assignee"].display_name,
        }


class MoveForm(BaseForm):
    stage = forms.ModelChoiceField(
        label="Move to",
        queryset=None,
        help_text="Each record's entry rules are checked as on the board; a record that does "
        "not meet them stays where it is, and the summary says why.",
    )

    def __init__(self, *args, stages, members=None, **kw):
        super().__init__(*args, **kw)
        self.fields["stage"].queryset = stages

    def params(self) -> dict:
        stage = self.cleaned_data["stage"]
        return {"stage_id": stage.pk, "stage_name": stage.name}


class DeleteForm(BaseForm):
    def __init__(self, *args, members=None, stages=None, **kw):
        super().__init__(*args, **kw)

    def params(self) -> dict:
        return {}


FORMS = {
    BulkKind.ASSIGN: AssignForm,
    BulkKind.TASK: TaskForm,
    BulkKind.MOVE: MoveForm,
    BulkKind.DELETE: DeleteForm,
}
