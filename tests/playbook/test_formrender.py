"""playbook.formrender: widgets render as Django renders them, remembered per context."""

from datetime import date
from decimal import Decimal

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from playbook.formrender import MemoRenderer


class Form(forms.Form):
    name = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"placeholder": "Name"}))
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B <b>")], required=False)
    amount = forms.DecimalField(required=False)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    done = forms.BooleanField(required=False)
    tags = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)


def rendered(renderer, **data):
    form = Form(data or None, renderer=renderer)
    return [str(form[name]) for name in form.fields]


def test_the_project_renders_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), MemoRenderer)


def test_each_widget_renders_as_djangos_own_however_often():
    memo, django = MemoRenderer(), DjangoTemplates()
    cases = [
        {},
        {"name": "Ada & <Co>", "kind": "b", "amount": "1.0", "when": "2026-02-03", "done": "on"},
        {"name": "Ada & <Co>", "kind": "a", "amount": "1", "tags": ["x", "y"]},
        {"name": "x" * 30, "amount": "nope", "when": "soon"},
    ]
    for _ in range(2):
        for data in cases:
            assert rendered(memo, **data) == rendered(django, **data)


def test_values_of_different_types_or_spellings_do_not_share_an_entry():
    memo = MemoRenderer()
    one = forms.NumberInput().render("n", Decimal("1"), renderer=memo)
    one_point_zero = forms.NumberInput().render("n", Decimal("1.0"), renderer=memo)
    assert 'value="1"' in one and 'value="1.0"' in one_point_zero
    plain = forms.TextInput().render("t", "<b>", renderer=memo)
    assert "&lt;b&gt;" in plain
    assert forms.DateInput().render("d", date(2026, 2, 3), renderer=memo).count("2026-02-03") == 1
    assert forms.TextInput().render(
        "t", mark_safe("<b>"), renderer=memo
    ) == forms.TextInput().render("t", mark_safe("<b>"), renderer=DjangoTemplates())


def test_a_context_with_objects_is_rendered_each_time():
    memo = MemoRenderer()
    html = memo.render("django/forms/div.html", {"form": Form(), "fields": []})
    assert memo._rendered == {}
    assert isinstance(html, str)
