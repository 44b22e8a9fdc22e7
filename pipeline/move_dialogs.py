"""Moves that need more than a drop: the confirmation dialog for board moves, in a shape any app
can register into (docs/adr/0302).

A `MoveDialog` says which moves it applies to and where its form lives (a page of the app that
owns what the dialog asks for: the customers app's first subscription for Won). The board answers
a drop that needs one with a dialog that loads that form; the record page's panel links to the
same form instead of its plain "Advance" button. The form's view performs the move itself,
through pipeline.services, so the rules, the version check and the history are the same as for
any move. Apps register in AppConfig.ready(); the pipeline never imports them.

The pipeline registers "new owner" (pipeline/handoff.py): a drop that would hand the record to
someone else names that person first. It is a fallback (another dialog that applies, Won's
first subscription, says who owns the record next itself) and board-only (the record page's
Advance form already names the handoff and lets the user choose the owner).
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
    # Only when no other dialog applies (the other dialog's form covers what this one asks).
    fallback: bool = False
    # Only for board drops: the record page's stage panel has its own forms for this.
    board_only: bool = False


_DIALOGS: dict[str, MoveDialog] = {}


def register(dialog: MoveDialog) -> None:
    _DIALOGS[dialog.key] = dialog


def dialog_for(record, to_stage, *, board: bool = True) -> MoveDialog | None:
    """The first registered dialog that a move of `record` into `to_stage` needs, if any
    (`board=False`: for the record page's panel). Fallback dialogs are asked last."""
    if to_stage is None:
        return None
    candidates = [d for d in _DIALOGS.values() if board or not d.board_only]
    candidates.sort(key=lambda d: d.fallback)  # stable: registration order otherwise
    return next((d for d in candidates if d.applies(record, to_stage)), None)
