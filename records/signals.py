"""Signals records sends for apps above it to act on (records does not know them)."""

from django.dispatch import Signal

# A record got another owner (records.services.ownership.owner_changed is the one sender):
# record, from_owner_id, to_owner_id, actor_id, reason, detail, key, withdraws.
owner_changed = Signal()
