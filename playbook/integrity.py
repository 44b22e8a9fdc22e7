"""Unique constraints are the backstop of every "is it taken?" check: two requests at the same
moment both pass the check, and the database refuses the second insert. `refused_as` turns that
refusal into the very message the check gives, so a race reads like a sequential duplicate
instead of a server error."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def violated_constraint(exc: IntegrityError) -> str:
    """The name of the constraint `exc` broke (PostgreSQL), else the driver's message, which
    names the index (SQLite: "UNIQUE constraint failed: index 'name'" or "table.column")."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name or str(exc)


@contextmanager
def refused_as(errors: dict[str, ValidationError]):
    """Run the block in a savepoint; when it breaks one of the constraints named in `errors`,
    raise that constraint's ValidationError instead (the transaction stays usable). Any other
    IntegrityError is raised as it is."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        found = violated_constraint(exc)
        for constraint, error in errors.items():
            if constraint in found:
                raise error from exc
        raise
