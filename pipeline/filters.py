"""The board's and queues' filters: owner, team, "mine"."""

from urllib.parse import urlencode

from django import forms

from playbook.forms import BaseForm
from playbook.models import Team


class BoardFilterForm(BaseForm):
    owner = forms.TypedChoiceField(label="Owner", coerce=int, required=False, empty_value=None)
    team = forms.ChoiceField(
        label="Team", choices=[("", "All teams"), *Team.choices], required=False
    )
    mine = forms.BooleanField(label="Only mine", required=False)

    def __init__(self, data=None, *, members=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].choices = [
            ("", "Anyone"),
            *[(m.user_id, str(m.user)) for m in members],
        ]

    def selection(self, user) -> dict:
        """Keyword arguments for the board selectors: owner_id and team."""
        data = self.cleaned_data
        owner_id = user.pk if data.get("mine") else data.get("owner")
        return {"owner_id": owner_id, "team": data.get("team") or None}

    def query_string(self) -> str:
        """The active filters, to carry into "load more" links."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}
        return urlencode({k: ("1" if v is True else v) for k, v in data.items()})
