from django import template

from playbook.access import has_role as _has_role

register = template.Library()


@register.filter
def has_role(membership, roles: str) -> bool:
    """`{% if membership|has_role:"sdr,admin" %}`: links and controls by role."""
    return _has_role(membership, *[r.strip() for r in roles.split(",")])
