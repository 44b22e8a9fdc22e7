from django import template
from django.template.loader import render_to_string

from targets import periods

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def field_named(form, name):
    return form[name]


@register.filter
def month_label(month_index: int) -> str:
    return periods.label(month_index)


@register.simple_tag
def field_block(field):
    """One field with its label and errors, as partials/form_fields.html lays them out."""
    return render_to_string("targets/_field.html", {"field": field})
