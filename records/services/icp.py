"""Every write of ICP scoring: the workspace's profile and the scores it gives.

Scores are written by set-based SQL only (`_rescore`): one UPDATE per chunk of records by
primary-key range, computing the score from the criteria (records.icp.score_expression) and
writing only rows whose score changed (`IS DISTINCT FROM`), so `icp_scored_at` moves only when the
score does and a rerun over unchanged data writes nothing. The UPDATE goes around the model, so
no field-history row is written per record per recompute.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Min
from django.dispatch import Signal
from django.utils import timezone

from playbook.models import User, Workspace
from playbook.tenancy import workspace_scope
from records import conditions, icp
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import IcpProfile, Record
from records.selectors.icp import icp_fields

# Records per UPDATE of a full recompute: each chunk is its own short transaction, so a crash
# loses at most one chunk of work and a rerun simply continues (the work is idempotent).
CHUNK = 20_000
# PostgreSQL advisory lock class of ICP recomputes; the workspace id completes the key.
_LOCK_CLASS = 0x1C9 << 40


# Sent by the background recompute (records.tasks) when every record of a workspace has been
# rescored, with `workspace_id`: figures built on the scores (pipeline's ICP calibration) are
# computed again then, in the background, instead of by the next page view.
icp_recomputed = Signal()


class ProfileChanged(ValidationError):
    """An edit based on an old version of the profile (someone saved it since)."""


# --- the profile -------------------------------------------------------------------------------


def icp_profile_install_default(*, workspace: Workspace) -> IcpProfile:
    """Give `workspace` the default profile unless it has one."""
    profile, _ = IcpProfile.objects.get_or_create(
        workspace=workspace, defaults={"criteria": DEFAULT_CRITERIA}
    )
    return profile


def _weight(raw) -> int:
    text = str(raw if raw is not None else "").strip()
    try:
        weight = int(text)
    except ValueError:
        raise ValidationError(
            {"weight": f"The weight must be a whole number from 0 to {icp.MAX_WEIGHT}."}
        ) from None
    if not 0 <= weight <= icp.MAX_WEIGHT:
        raise ValidationError({"weight": f"The weight must be from 0 to {icp.MAX_WEIGHT}."})
    return weight


def clean_criterion(workspace, *, kind: str, params: dict | None, weight) -> dict:
    """One criterion, validated and typed; errors keyed by form field."""
    if kind not in dict(icp.ICP_KINDS):
        raise ValidationError({"kind": "Choose one of the listed kinds of criterion."})
    errors: dict[str, list[str]] = {}
    cleaned_weight = None
    try:
        cleaned_weight = _weight(weight)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        cleaned = conditions.clean_params(kind, params, icp_fields(workspace))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "params": cleaned, "weight": cleaned_weight}


def _locked_profile(workspace, version: int | None) -> IcpProfile:
    profile = IcpProfile.objects.of(workspace).select_for_update().first()
    if profile is None:
        profile = IcpProfile.objects.create(workspace=workspace, criteria=[])
    if version is not None and profile.version != version:
        raise ProfileChanged(
            "Someone saved the ICP profile after you opened it, so your change was not saved. "
            "Here it is as saved now."
        )
    return profile


def _save(profile: IcpProfile, criteria: list[dict], actor: User | None) -> IcpProfile:
    if len(criteria) > icp.MAX_CRITERIA:
        raise ValidationError(f"A profile has at most {icp.MAX_CRITERIA} criteria.")
    profile.criteria = criteria
    profile.version += 1
    profile.updated_by = actor
    # Queued: the page shows the progress bar at once, the task fills it in.
    profile.recompute_started_at, profile.recompute_finished_at = timezone.now(), None
    profile.recompute_total = profile.recompute_done = profile.recompute_changed = 0
    profile.save()
    _enqueue_recompute(profile.workspace_id)
    return profile


def _enqueue_recompute(workspace_id: int) -> None:
    """Through the jobs outbox: the recompute is asked for in this transaction and survives a
    broker outage."""
    from jobs.services import job_enqueue
    from records.tasks import icp_recompute  # tasks import this module

    job_enqueue(workspace=workspace_id, task=icp_recompute, args=[workspace_id])


@transaction.atomic
def icp_criterion_add(
    *, workspace: Workspace, actor: User | None, kind: str, params: dict | None, weight, version
) -> IcpProfile:
    criterion = clean_criterion(workspace, kind=kind, params=params, weight=weight)
    profile = _locked_profile(workspace, version)
    return _save(profile, [*profile.criteria, criterion], actor)


@transaction.atomic
def icp_criterion_update(
    *,
    workspace: Workspace,
    actor: User | None,
    index: int,
    kind: str,
    params: dict | None,
    weight,
    version,
) -> IcpProfile:
    criterion = clean_criterion(workspace, kind=kind, params=params, weight=weight)
    profile = _locked_profile(workspace, version)
    criteria = list(profile.criteria)
    if not 0 <= index < len(criteria):
        raise ValidationError("That criterion is no longer in the profile.")
    criteria[index] = criterion
    return _save(profile, criteria, actor)


@transaction.atomic
def icp_criterion_remove(
    *, workspace: Workspace, actor: User | None, index: int, version
) -> IcpProfile:
    profile = _locked_profile(workspace, version)
    criteria = list(profile.criteria)
    if not 0 <= index < len(criteria):
        raise ValidationError("That criterion is no longer in the profile.")
    del criteria[index]
    return _save(profile, criteria, actor)


@transaction.atomic
def icp_weights_set(
    *, workspace: Workspace, actor: User | None, weights: list, version
) -> IcpProfile:
    """New weights for every criterion at once (the weights form, "use suggested weights")."""
    profile = _locked_profile(workspace, version)
    if len(weights) != len(profile.criteria):
        raise ProfileChanged("The profile changed meanwhile; reload the page and try again.")
    errors = {}
    cleaned = []
    for i, raw in enumerate(weights):
        try:
            cleaned.append(_weight(raw))
        except ValidationError:
            errors[f"weight_{i}"] = (
                f"Criterion {i + 1}: the weight must be a whole number from 0 to {icp.MAX_WEIGHT}."
            )
    if errors:
        raise ValidationError(errors)
    criteria = [{**c, "weight": w} for c, w in zip(profile.criteria, cleaned, strict=True)]
    return _save(profile, criteria, actor)


@transaction.atomic
def icp_recompute_request(*, workspace: Workspace, actor: User | None) -> IcpProfile:
    """Recompute every record of the workspace in the background (the settings page's button)."""
    profile = _locked_profile(workspace, None)
    profile.recompute_started_at, profile.recompute_finished_at = timezone.now(), None
    profile.recompute_total = profile.recompute_done = profile.recompute_changed = 0
    profile.save()
    transaction.on_commit(lambda: _enqueue_recompute(workspace.pk))
    return profile


# --- scores ------------------------------------------------------------------------------------


def _rescore(workspace_id: int, criteria, now: datetime, *, ids=None, id_range=None) -> int:
    """One UPDATE: score the workspace's records (all, `ids`, or `id_range` = [low, high)) and
    write the rows whose score changed. Returns how many changed."""
    records = Record.objects.of(workspace_id)
    bound, bound_params = "", []
    if ids is not None:
        records = records.filter(pk__in=ids)
        bound = f"AND r.id IN ({', '.join(['%s'] * len(ids))})"
        bound_params = list(ids)
    if id_range is not None:
        records = records.filter(pk__gte=id_range[0], pk__lt=id_range[1])
        bound, bound_params = "AND r.id >= %s AND r.id < %s", list(id_range)
    expression = icp.score_expression(
        criteria,
        now,
        records=ids if ids is not None else id_range,
        workspace=workspace_id,
    )
    scored = records.annotate(new_score=expression)
    select, params = scored.values_list("id", "new_score").query.sql_with_params()
    table = connection.ops.quote_name(Record._meta.db_table)
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    # The computed scores join back by id, so each criterion is evaluated once per record; the
    # bound on r keeps the join to the same records (else the planner reads the whole table).
    sql = (
        f"UPDATE {table} AS r SET icp_score = c.new_score, icp_scored_at = %s "
        f"FROM ({select}) AS c WHERE r.id = c.id AND r.workspace_id = %s {bound} "
        f"AND r.icp_score {distinct} c.new_score"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *params, workspace_id, *bound_params])
        return cursor.rowcount


def _criteria(workspace_id: int):
    row = IcpProfile.objects.of(workspace_id).values_list("criteria", "version").first()
    return (icp.criteria_of(row[0]), row[1]) if row else (None, None)


def icp_rescore_record(*, workspace_id: int, record_id: int) -> bool:
    """Rescore one record after an edit, inline: at most five short queries (profile, the record
    locked, its contacts' and activities' facts, the write) and no write when the score is the
    same. The score comes from records.icp.score_record, the Python form of the criteria: the
    set-based statement of `_rescore` costs ~7 ms of planning alone for one record. The row lock
    orders two rescores of one record, so the later one reads the later data. True if written."""
    with workspace_scope(workspace_id), transaction.atomic():
        criteria, _ = _criteria(workspace_id)
        if criteria is None:
            return False
        records = Record.objects.of(workspace_id).filter(pk=record_id)
        record = records.select_for_update().first()
        if record is None:
            return False
        now = timezone.now()
        score = icp.score_record(record, criteria, now)
        if record.icp_score == score:
            return False
        # A queryset update: no field-history row, no version bump (scoring is not an edit).
        return bool(records.update(icp_score=score, icp_scored_at=now))


def icp_rescore_records(*, workspace_id: int, record_ids) -> int:
    """Rescore some records set-based (an import, a bulk action): two queries."""
    if not record_ids:
        return 0
    with workspace_scope(workspace_id):
        criteria, _ = _criteria(workspace_id)
        if criteria is None:
            return 0
        return _rescore(workspace_id, criteria, timezone.now(), ids=list(record_ids))


class _Rescore:
    """An after-commit rescore of one record; equal ones are registered once per transaction
    (creating a record with its first contact rescores it once). `done` is set when the
    transaction scored the record itself after its last change (icp_rescore_in_transaction)."""

    def __init__(self, workspace_id: int, record_id: int):
        self.key = (workspace_id, record_id)
        self.done = False

    def __eq__(self, other):
        return isinstance(other, _Rescore) and other.key == self.key

    def __hash__(self):
        return hash(self.key)

    def __call__(self):
        if not self.done:
            icp_rescore_record(workspace_id=self.key[0], record_id=self.key[1])


def _pending(callback: _Rescore) -> _Rescore | None:
    for _, func, *_ in transaction.get_connection().run_on_commit:
        if func == callback:
            return func
    return None


def icp_rescore_after_commit(*, workspace_id: int, record_id: int) -> None:
    """Rescore the record once the current transaction commits, inline: it is cheap (a few
    short queries, icp_rescore_record), so no Celery task per record."""
    callback = _Rescore(workspace_id, record_id)
    pending = _pending(callback)
    if pending is not None:
        pending.done = False  # changed again after an in-transaction rescore: score it again
        return
    transaction.on_commit(callback)


def icp_rescore_in_transaction(*, record: Record) -> bool:
    """Rescore `record` now, in the caller's transaction, instead of after its commit: for a
    caller that holds the record's row lock (it created or locked the record in this
    transaction) and has made its last change to the record, its contacts and its activities
    (the public web form, dataio.services.webforms). `record` must hold the row as written.
    Three or four queries (profile, contacts' and activities' facts, the write if the score
    changed) and no second transaction: the after-commit rescore the services registered for
    the record is marked done, and a later change in the same transaction arms it again.
    Scored in the transaction, the new lead is never seen unscored. True if written."""
    workspace_id = record.workspace_id
    criteria, _ = _criteria(workspace_id)
    written = False
    if criteria is not None:
        now = timezone.now()
        score = icp.score_record(record, criteria, now)
        if record.icp_score != score:
            Record.objects.of(workspace_id).filter(pk=record.pk).update(
                icp_score=score, icp_scored_at=now
            )
            record.icp_score, record.icp_scored_at = score, now
            written = True
    pending = _pending(_Rescore(workspace_id, record.pk))
    if pending is not None:
        pending.done = True
    return written


@dataclass(frozen=True)
class RecomputeResult:
    records: int = 0
    changed: int = 0
    seconds: float = 0.0
    busy: bool = False  # another recompute of the workspace holds the lock


class _WorkspaceLock:
    """At most one full recompute per workspace at a time: a PostgreSQL session advisory lock
    (released by the database if the worker dies). Elsewhere (SQLite, the embedded development
    default) writes are serialised by the database anyway, so nothing is taken."""

    def __init__(self, workspace_id: int):
        self.key = _LOCK_CLASS + workspace_id
        self.postgres = connection.vendor == "postgresql"

    def __enter__(self) -> bool:
        if not self.postgres:
            return True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
            self.held = cursor.fetchone()[0]
        return self.held

    def __exit__(self, *exc):
        if self.postgres and self.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])


def _without_jit() -> None:
    """PostgreSQL's JIT compiles a chunk's long score expression anew for every statement:
    measured, 3.8 of 5.2 seconds of a 20,000-record chunk. The expression is cheap to
    interpret, so the chunk's transaction does without."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _progress(workspace_id: int, **fields) -> None:
    IcpProfile.objects.of(workspace_id).update(**fields)


def icp_recompute_workspace(*, workspace_id: int, chunk: int = CHUNK) -> RecomputeResult:
    """Rescore every record of one workspace, chunk by chunk, never touching another's rows.

    Idempotent and resumable: a rerun writes only what still differs. If the profile is saved
    while this runs, the loop runs again with the new criteria before releasing the lock."""
    started = time.monotonic()
    with workspace_scope(workspace_id), _WorkspaceLock(workspace_id) as acquired:
        if not acquired:
            return RecomputeResult(busy=True)
        total_changed, version_done, records = 0, None, 0
        while True:
            criteria, version = _criteria(workspace_id)
            if criteria is None or version == version_done:
                break
            now = timezone.now()
            bounds = Record.objects.of(workspace_id).aggregate(low=Min("pk"), high=Max("pk"))
            records = Record.objects.of(workspace_id).count()
            _progress(
                workspace_id,
                recompute_started_at=now,
                recompute_finished_at=None,
                recompute_total=records,
                recompute_done=0,
                recompute_changed=0,
            )
            changed = 0
            if bounds["low"] is not None:
                low, high = bounds["low"], bounds["high"] + 1
                for start in range(low, high, chunk):
                    end = min(start + chunk, high)
                    with transaction.atomic():
                        _without_jit()
                        changed += _rescore(workspace_id, criteria, now, id_range=(start, end))
                    # Progress by id range: ids of one workspace are spread evenly enough.
                    done = records * (end - low) // (high - low)
                    _progress(workspace_id, recompute_done=done, recompute_changed=changed)
            finished = timezone.now()
            _progress(
                workspace_id,
                recompute_finished_at=finished,
                recompute_done=records,
                last_full_recompute_at=finished,
            )
            total_changed += changed
            version_done = version
    return RecomputeResult(records, total_changed, time.monotonic() - started)
