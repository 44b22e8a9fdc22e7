"""Sending e-mail from a service without leaving anything half-done.

The message is rendered and its headers checked at once, inside the caller's transaction, so an
unsendable message (a line break in a subject) fails the whole action and nothing is saved. It is
handed to the mail server only after that transaction commits: a rolled-back action e-mails
nobody, and a mail server that is down cannot undo what was saved (the failure is logged; the
sender can send again, e.g. invite the address again)."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


def send_after_commit(*, subject: str, template: str, context: dict, to: str) -> EmailMessage:
    message = EmailMessage(
        subject=subject,
        body=render_to_string(template, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    try:
        message.message()  # builds the MIME message: BadHeaderError for a broken header
    except BadHeaderError as exc:
        raise ValidationError(
            "This e-mail cannot be sent: its subject or address contains a line break."
        ) from exc
    transaction.on_commit(lambda: _send(message))
    return message


def _send(message: EmailMessage) -> None:
    try:
        message.send()
    except Exception:  # the mail server's failure must not turn a saved action into a 500
        log.exception("Could not send the e-mail %r to %s", message.subject, message.to)
