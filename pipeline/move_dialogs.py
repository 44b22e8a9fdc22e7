"""Moves that need more than a drop: the confirmation dialog for board moves, in a shape any app
can register into (docs/adr/0302).

A `MoveDialog` says which moves it applies to and where its form lives (a page of the app that
owns what the dialog asks for: the customers app's first subscription for Won). The board answers
a drop that needs one with a dialog that loads that form; the record page's panel links to the
same form instead of its plain "Advance" button. The form's view performs the move itself,
through pipeline.services, so the rules, the version check and the history are the same as for
any move. Apps register in AppConfig.ready(); the pipeline never imports them.

Other dialogs of the same shape: choosing the new owner of a handoff, the lost reason of a drop
on a "lost" target (the work-surfaces issue).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MoveDialog:
    key: str
    title: str  # "Win Acme": what the dialog asks, shown as its heading
    # (record, to_stage) -> whether moving `record` into `to_stage` needs this dialog.
    applies: Callable[[object, object], bool]
    # (workspace, record, to_stage) -> the form's URL (GET shows it, POST moves).
    url: Callable[[object, object, object], str]


_DIALOGS: dict[str, MoveDialog] = {}


def register(dialog: MoveDialog) -> None:
    _DIALOGS[dialog.key] = dialog


def dialog_for(record, to_stage) -> MoveDialog | None:
    """The first registered dialog that a move of `record` into `to_stage` needs, if any."""
    if to_stage is None:
        return None
    return next((d for d in _DIALOGS.values() if d.applies(record, to_stage)), None)
