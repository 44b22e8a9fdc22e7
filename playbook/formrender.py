"""The form renderer (settings.FORM_RENDERER): Django's, remembering what each widget rendered.

Every page with a form renders its widgets through Django's template engine, one template per
widget per request: the records list's ~17 filters and the record page's activity and contact
forms spend 15 % of those pages' CPU there (docs/PERFORMANCE.md, "Where the workers' CPU goes"),
and they render the same few inputs again and again. A widget's HTML is a function of its
template and its context (name, value, attributes, options) and nothing else, so it is kept per
process, keyed by that context made hashable, and rendered again only for a context not seen.

Only Django's own widget templates are remembered, and only when every value of the context is
a plain value (text, numbers, dates, lazy text, a model choice's value): anything else (a form
object, a bound field) renders as Django does. The type is part of the key, so "1" and 1, or
safe and plain text, never share an entry; numbers are keyed by their repr (Decimal("1.0")
and Decimal("1") render differently)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.forms.models import ModelChoiceIteratorValue
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise

MAX_ENTRIES = 4096
_WIDGETS = "django/forms/widgets/"
_BY_REPR = (int, float, bool, Decimal, date, datetime, time, timedelta, type(None))


class _Uncacheable(Exception):
    pass


def _frozen(value):
    kind = type(value)
    if issubclass(kind, str):
        return (kind, value)
    if kind in _BY_REPR:
        return (kind, repr(value))
    if kind is dict:
        return (dict, tuple((k, _frozen(v)) for k, v in value.items()))
    if kind in (list, tuple):
        return (kind, tuple(_frozen(v) for v in value))
    if isinstance(value, Promise):
        return (str, str(value))
    if kind is ModelChoiceIteratorValue:
        return (kind, str(value))
    raise _Uncacheable(kind)


class MemoRenderer(DjangoTemplates):
    """DjangoTemplates that renders each distinct widget context once per process."""

    def __init__(self):
        super().__init__()
        self._rendered: dict = {}

    def render(self, template_name, context, request=None):
        if request is not None or not template_name.startswith(_WIDGETS):
            return super().render(template_name, context, request)
        try:
            key = (template_name, _frozen(context))
        except _Uncacheable:
            return super().render(template_name, context, request)
        html = self._rendered.get(key)
        if html is None:
            html = super().render(template_name, context, request)
            if len(self._rendered) >= MAX_ENTRIES:
                self._rendered.clear()  # bounded; a busy process refills what it uses
            self._rendered[key] = html
        return html
