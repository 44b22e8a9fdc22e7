"""Notifications listen to records' signals; records does not know this app exists."""

from records.signals import owner_changed


def _owner_changed(sender, signal=None, **event):
    from notifications.services import notification_for_owner_change

    notification_for_owner_change(**event)


def connect() -> None:
    owner_changed.connect(_owner_changed, dispatch_uid="notifications.owner_changed")
