"""How pages write numbers, dates and Django's own messages, pinned: the app has no translations
and runs with USE_I18N off (issue 14: the translation machinery cost ~8 % of a request's CPU),
which must not change a character of what users read."""

from datetime import UTC, date, datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils.timesince import timesince

from records.templatetags.records_tags import _day


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_the_app_has_no_translations():
    assert settings.USE_I18N is False
    assert settings.LANGUAGE_CODE == "en-us"


def test_numbers_are_grouped_by_thousands_with_commas_where_asked():
    assert render('{{ v|floatformat:"0g" }}', v=Decimal("1234567.4")) == "1,234,567"
    assert render('{{ v|floatformat:"2g" }}', v=Decimal("1234.5")) == "1,234.50"
    assert render('{{ v|floatformat:"0" }}', v=1234567) == "1234567"
    # A bare number is not grouped.
    assert render("{{ v }}", v=Decimal("1234.50")) == "1234.50"
    assert render("{{ v }}", v=1234567) == "1234567"


def test_dates_read_in_english():
    moment = datetime(2026, 2, 3, 14, 5, tzinfo=UTC)
    assert render('{{ d|date:"j M Y" }}', d=date(2026, 2, 3)) == "3 Feb 2026"
    assert render('{{ d|date:"D j M Y" }}', d=date(2026, 2, 3)) == "Tue 3 Feb 2026"
    assert render('{{ d|date:"j F Y, H:i e" }}', d=moment) == "3 February 2026, 14:05 UTC"
    assert render("{{ d }}", d=date(2026, 2, 3)) == "Feb. 3, 2026"
    assert render("{{ d|date }}", d=date(2026, 9, 30)) == "Sept. 30, 2026"
    assert timesince(datetime(2026, 1, 1, tzinfo=UTC), moment) == "1\xa0month"
    assert str(_day(moment)) == '<time datetime="2026-02-03T14:05:00+00:00">3 Feb 2026</time>'
    assert str(_day(None)) == '<span class="muted">—</span>'


def test_djangos_own_messages_are_english():
    class Form(forms.Form):
        name = forms.CharField()
        when = forms.DateField()

    form = Form({"when": "soon"})
    assert form.errors == {"name": ["This field is required."], "when": ["Enter a valid date."]}
