"""The one function every change of a record's owner goes through, whoever makes it: an edit of
the owner field (records.services.records, bulk assign through it), a new record created for
someone else, and every stage move that hands the record over (pipeline.services.moves: a chosen
owner, round-robin, Won's handoff to Customer Success, an undo).

It sends `records.signals.owner_changed` after the write; the notifications app listens and
puts the handover in the new owner's list. Imports that set owners in bulk (dataio) do not call
it: thousands of "assigned to you" lines from one file tell nobody anything.
"""

from records.signals import owner_changed as owner_changed_signal


def owner_changed(
    *,
    record,
    from_owner_id: int | None,
    to_owner_id: int | None,
    actor,
    reason: str,
    detail: str = "",
    key: str = "",
    withdraws: str = "",
) -> None:
    """Announce that `record` went from `from_owner_id` to `to_owner_id` because of `actor`
    (None: the system). `reason` is "handoff" or "assigned"; `detail` says what happened in a
    few words ("entered MQL"); `key` names the event (a move's transition) so a later undo can
    `withdraws` what it announced. Nothing is announced when the owner did not change."""
    actor_id = getattr(actor, "pk", actor)
    if to_owner_id == from_owner_id and not withdraws:
        return
    owner_changed_signal.send(
        sender=type(record),
        record=record,
        from_owner_id=from_owner_id,
        to_owner_id=to_owner_id if to_owner_id != from_owner_id else None,
        actor_id=actor_id,
        reason=reason,
        detail=detail,
        key=key,
        withdraws=withdraws,
    )
