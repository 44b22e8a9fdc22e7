"""Input rules shared by every form and service: one definition each, so a field cannot be
forgotten.

- Single-line text (names, labels, subjects, e-mail addresses) refuses control characters: a
  line break typed into a workspace name used to end up in e-mail headers (BadHeaderError) and
  in CSV exports. Multi-line fields (textareas) and passwords are exempt.
- An e-mail address is at most 254 characters (RFC 5321's path limit, and our columns' size);
  Django's form field would accept 320 and the database then refused it.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

EMAIL_MAX_LENGTH = 254

# C0 and C1 control characters (tab, line feed, carriage return, NUL ...) and the Unicode line
# and paragraph separators, which mail and CSV readers also take as line breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
SINGLE_LINE_MESSAGE = "Keep this on one line, without line breaks, tabs or control characters."


def validate_single_line(value) -> None:
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="control_characters")


def single_line(value: str, *, field: str) -> str:
    """`value` stripped, or ValidationError keyed by `field` (for services)."""
    value = (value or "").strip()
    try:
        validate_single_line(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    return value


def is_single_line_field(field: forms.Field) -> bool:
    """A text field typed on one line: a CharField (e-mail, slug, ...) whose widget is not a
    textarea or a password input."""
    return isinstance(field, forms.CharField) and not isinstance(
        field.widget, forms.Textarea | forms.PasswordInput
    )


class EmailField(forms.EmailField):
    """An e-mail address within EMAIL_MAX_LENGTH; the one e-mail form field of the project."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)
