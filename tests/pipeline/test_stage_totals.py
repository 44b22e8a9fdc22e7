"""The board's stage totals (pipeline_stagetotal, kept by database triggers: docs/adr/0206) stay
equal to a fresh count after every kind of write to records: moves through the services, edits,
owner changes, soft delete and restore, bulk moves and deletes from the records list, merges, bulk
updates, bulk inserts, raw SQL, hard deletes."""

import contextlib
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from bulk import services as bulk_services
from pipeline import selectors, services
from pipeline.models import LostReason, StageTotal
from pipeline.selectors import queues
from pipeline.selectors.board import board_owners
from playbook.models import Role
from records.models import Record, RecordStatus
from records.services.merge import records_merge
from records.services.records import record_delete, record_restore, record_update
from tests.factories import RecordFactory


def fresh_totals(workspace, owners=None):
    """What the totals must be: counted from the records themselves."""
    qs = Record.objects.of(workspace).live().filter(status=RecordStatus.OPEN, stage__isnull=False)
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    rows = qs.values("stage_id").annotate(n=Count("id"), arr=Sum("expected_arr")).order_by()
    return {
        r["stage_id"]: (r["n"], (r["arr"] or Decimal(0)).quantize(Decimal("0.01")))
        for r in rows
        if r["n"]
    }


def kept_totals(workspace, board_stages, owners=None):
    totals = selectors.column_totals(workspace, board_stages, owners=owners)
    return {k: (v["n"], v["arr"]) for k, v in totals.items() if v["n"]}


def kept_late(workspace, board_stages, now, owners=None):
    totals = selectors.column_totals(workspace, board_stages, owners=owners, now=now)
    return {s.pk: totals.get(s.pk, {}).get("late", 0) for s in board_stages if s.sla_days}


def fresh_late(workspace, board_stages, now, owners=None):
    late = {}
    for stage in board_stages:
        if stage.sla_days is None:
            continue
        qs = (
            Record.objects.of(workspace)
            .live()
            .filter(
                status=RecordStatus.OPEN,
                stage=stage,
                stage_entered_at__lt=now - timedelta(days=stage.sla_days),
            )
        )
        if owners is not None:
            qs = qs.filter(owner_id__in=owners)
        late[stage.pk] = qs.count()
    return late


@pytest.fixture
def people(pipeline_ws, member_factory):
    return [member_factory(pipeline_ws, role) for role in (Role.SDR, Role.AE, Role.AE, Role.SDR)]


def _random_fields(rng, stages, people):
    return {
        "stage": rng.choice([None, *stages]),
        "status": rng.choice(list(RecordStatus.values) + [RecordStatus.OPEN] * 2),
        "owner": rng.choice([None, *(m.user for m in people)]),
        "expected_arr": rng.choice([None, Decimal("0"), Decimal("1200.50"), Decimal("99999.99")]),
        "stage_entered_at": timezone.now() - timedelta(days=rng.randint(0, 90)),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_equal_a_fresh_count_after_every_random_write(
    seed, pipeline_ws, stages, people, admin
):
    rng = random.Random(seed)
    board_stages = selectors.stages(pipeline_ws)
    stage_list = list(stages.values())
    users = [m.user for m in people]
    reason = LostReason.objects.of(pipeline_ws).filter(is_active=True).first()
    for _ in range(12):
        RecordFactory(workspace=pipeline_ws, **_random_fields(rng, stage_list, people))
    assert kept_totals(pipeline_ws, board_stages) == fresh_totals(pipeline_ws)

    def pick():
        return rng.choice(list(Record.objects.of(pipeline_ws).order_by("pk")))

    def move():
        record = pick()
        # Refused by a rule: the totals must not have moved either.
        with contextlib.suppress(ValidationError):
            services.record_move(
                workspace=pipeline_ws,
                record=record,
                to_stage=rng.choice(board_stages),
                actor=admin.user,
                membership=admin,
            )

    def lose_or_reopen():
        record = pick()
        kwargs = {"workspace": pipeline_ws, "record": record, "actor": admin.user}
        try:
            if record.status == RecordStatus.LOST:
                services.record_reopen(membership=admin, **kwargs)
            else:
                services.record_mark_lost(membership=admin, reason=reason, **kwargs)
        except ValidationError:
            pass

    def edit():
        record = pick()
        fields = {"expected_arr": rng.choice([None, Decimal("10.01"), Decimal("5000")])}
        with contextlib.suppress(ValidationError):
            record_update(record=record, actor=admin.user, version=record.version, **fields)

    def save_owner():
        record = pick()
        record.owner = rng.choice([None, *users])
        record.save()

    def soft_delete_or_restore():
        record = pick()
        if record.deleted_at is None:
            record_delete(record=record, actor=admin.user)
        elif record.merged_into_id is None:  # a merged-away record is not restored
            record_restore(record=record, actor=admin.user)

    def bulk_action():
        # The records list's bulk move or delete (bulk.services), some records refused.
        ids = [r.pk for r in Record.objects.of(pipeline_ws).live() if rng.random() < 0.4]
        if not ids:
            return
        kind = rng.choice(["move", "delete"])
        params = {"stage_id": rng.choice(board_stages).pk} if kind == "move" else {}
        bulk = bulk_services.bulk_start(
            workspace=pipeline_ws,
            actor=admin.user,
            kind=kind,
            params=params,
            records=Record.objects.of(pipeline_ws).live().filter(pk__in=ids),
            selection="",
        )
        bulk_services.bulk_run(workspace_id=pipeline_ws.pk, bulk_id=bulk.pk)

    def merge_two():
        # Merging soft-deletes the merged-away record (records.services.merge).
        live = list(Record.objects.of(pipeline_ws).live().order_by("pk"))
        if len(live) < 2:
            return
        keep, gone = rng.sample(live, 2)
        with contextlib.suppress(ValidationError):
            records_merge(
                workspace=pipeline_ws,
                survivor=keep,
                other=gone,
                actor=admin.user,
                membership=admin,
                survivor_version=keep.version,
                other_version=gone.version,
            )

    def bulk_update():
        ids = [r.pk for r in Record.objects.of(pipeline_ws) if rng.random() < 0.5]
        change = rng.choice(
            [
                {"stage": rng.choice(stage_list)},
                {"status": rng.choice(RecordStatus.values)},
                {"owner": rng.choice([None, *users])},
                {"expected_arr": Decimal(rng.randint(0, 10**6)) / 100},
                {"icp_score": rng.randint(0, 100)},
                {"stage_entered_at": timezone.now() - timedelta(days=rng.randint(0, 40))},
                {"stage_entered_at": None},
            ]
        )
        Record.objects.of(pipeline_ws).filter(pk__in=ids).update(**change)

    def bulk_create():
        Record.objects.bulk_create(
            [
                Record(
                    workspace=pipeline_ws,
                    name=f"bulk {i}",
                    **_random_fields(rng, stage_list, people),
                )
                for i in range(rng.randint(1, 5))
            ]
        )

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE records_record SET stage_id = %s, owner_id = %s "
                "WHERE workspace_id = %s AND id %% 3 = %s",
                [
                    rng.choice(stage_list).pk,
                    rng.choice(users).pk,
                    pipeline_ws.pk,
                    rng.randint(0, 2),
                ],
            )

    def hard_delete():
        record = pick()
        Record.objects.of(pipeline_ws).filter(pk=record.pk).delete()
        RecordFactory(workspace=pipeline_ws, **_random_fields(rng, stage_list, people))

    operations = [
        move, lose_or_reopen, edit, save_owner, soft_delete_or_restore, bulk_action,
        merge_two, bulk_update, bulk_create, raw_sql, hard_delete,
    ]  # fmt: skip
    for _ in range(60):
        rng.choice(operations)()
        now = timezone.now()
        assert kept_totals(pipeline_ws, board_stages) == fresh_totals(pipeline_ws)
        owners = rng.sample([u.pk for u in users], 2)
        assert kept_totals(pipeline_ws, board_stages, owners) == fresh_totals(pipeline_ws, owners)
        assert kept_late(pipeline_ws, board_stages, now) == fresh_late(
            pipeline_ws, board_stages, now
        )
        # My pipeline's totals read the same table.
        owner = rng.choice(users)
        kept = queues._owner_totals(pipeline_ws, owner.pk)
        fresh = queues.deals(pipeline_ws, queues.DealFilters(owner_id=owner.pk)).aggregate(
            n=Count("id"), arr=Sum("expected_arr"), weighted=Sum(queues.weighted_arr())
        )
        assert kept["n"] == fresh["n"]
        assert kept["arr"] == (fresh["arr"] or Decimal(0)).quantize(Decimal("0.01"))
        assert kept["weighted"].quantize(Decimal("1")) == (
            (fresh["weighted"] or Decimal(0)).quantize(Decimal("1"))
        )
    # Nothing kept at zero, and nothing beyond the keys the records have.
    assert not StageTotal.objects.of(pipeline_ws).filter(n=0).exists()


def test_past_the_sla_counts_are_exact_with_and_without_a_team(pipeline_ws, stages, people, admin):
    rng = random.Random(7)
    stage_list = list(stages.values())
    for _ in range(40):
        RecordFactory(workspace=pipeline_ws, **_random_fields(rng, stage_list, people))
    Record.objects.of(pipeline_ws).filter(pk__in=Record.objects.of(pipeline_ws)[:3]).update(
        stage_entered_at=None
    )
    board_stages = selectors.stages(pipeline_ws)
    now = timezone.now()
    # Around each cutoff, on the cutoff's own day and the days either side: the day's records are
    # counted exactly, the days before from the table.
    for stage in board_stages:
        if stage.sla_days is None:
            continue
        cutoff = now - timedelta(days=stage.sla_days)
        for minutes in (-60 * 25, -60 * 23, -90, -1, 1, 90, 60 * 23, 60 * 25):
            for owner in (None, people[1].user, people[3].user):
                RecordFactory(
                    workspace=pipeline_ws,
                    stage=stage,
                    owner=owner,
                    stage_entered_at=cutoff + timedelta(minutes=minutes),
                )
    for owners in (None, [people[1].user_id, people[2].user_id]):
        totals = selectors.column_totals(pipeline_ws, board_stages, owners=owners, now=now)
        expected = fresh_late(pipeline_ws, board_stages, now, owners)
        assert {s.pk: totals.get(s.pk, {}).get("late", 0) for s in board_stages} == {
            s.pk: expected.get(s.pk, 0) for s in board_stages
        }
        assert any(expected.values())
        assert kept_late(pipeline_ws, board_stages, now, owners) == expected


def test_the_team_filtered_column_lists_the_teams_best_cards_in_order(
    pipeline_ws, stages, people, admin
):
    """The per-owner branches (PostgreSQL) give the same page, cursor by cursor, as filtering
    the whole column would."""
    rng = random.Random(11)
    users = [m.user for m in people]
    for i in range(70):
        RecordFactory(
            workspace=pipeline_ws,
            name=f"card {i}",
            stage=stages["lead"],
            owner=rng.choice([None, *users]),
            icp_score=rng.choice([None, 10, 50, 50, 90]),
            stage_entered_at=timezone.now() - timedelta(days=rng.choice([1, 60])),
        )
    owners = [users[0].pk, users[3].pk]
    expected = sorted(
        Record.objects.of(pipeline_ws).filter(owner_id__in=owners),
        key=lambda r: (
            r.stage_entered_at >= timezone.now() - timedelta(days=stages["lead"].sla_days),
            -(r.icp_score if r.icp_score is not None else -1),
            r.pk,
        ),
    )
    seen, cursor = [], None
    while True:
        page = selectors.column_page(
            pipeline_ws, stages["lead"], owners=owners, cursor=cursor, size=7
        )
        seen += [c.record.pk for c in page.cards]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [r.pk for r in expected]
    assert board_owners(pipeline_ws, owner_id=users[0].pk) == [users[0].pk]


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite rebuilds tables, dropping triggers"
)
def test_after_migrate_lost_sqlite_triggers_come_back_and_the_totals_are_recounted(
    pipeline_ws, stages, people
):
    from pipeline.apps import keep_stage_totals_triggers

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER pipeline_stage_totals_insert")
    RecordFactory(workspace=pipeline_ws, stage=stages["lead"], stage_entered_at=timezone.now())
    assert kept_totals(pipeline_ws, selectors.stages(pipeline_ws)) != fresh_totals(pipeline_ws)
    keep_stage_totals_triggers(sender=None)
    assert kept_totals(pipeline_ws, selectors.stages(pipeline_ws)) == fresh_totals(pipeline_ws)
    RecordFactory(workspace=pipeline_ws, stage=stages["lead"], stage_entered_at=timezone.now())
    assert kept_totals(pipeline_ws, selectors.stages(pipeline_ws)) == fresh_totals(pipeline_ws)


def _stored_totals(workspace):
    rows = StageTotal.objects.of(workspace).values("stage_id").annotate(n=Sum("n"), arr=Sum("arr"))
    return {r["stage_id"]: (r["n"], r["arr"].quantize(Decimal("0.01"))) for r in rows if r["n"]}


def _spread(workspace, stages, people, rng, count):
    for _ in range(count):
        RecordFactory(workspace=workspace, **_random_fields(rng, list(stages.values()), people))


def test_deferred_totals_are_counted_again_for_the_loaded_workspace_only(
    pipeline_ws, stages, people, other_workspace
):
    """seed_demo loads a workspace with the triggers off and counts its totals once at the end
    (pipeline.services.stage_totals_deferred)."""
    rng = random.Random(11)
    services.pipeline_install_defaults(workspace=other_workspace)
    other_stage = selectors.stages(other_workspace)[0]
    RecordFactory(workspace=other_workspace, stage=other_stage, expected_arr=Decimal("5000"))
    theirs = _stored_totals(other_workspace)
    _spread(pipeline_ws, stages, people, rng, 5)
    with services.stage_totals_deferred(workspace_id=pipeline_ws.pk):
        _spread(pipeline_ws, stages, people, rng, 20)
        Record.objects.of(pipeline_ws).filter(pk__in=Record.objects.of(pipeline_ws)[:7]).update(
            stage=stages["sql"], status=RecordStatus.OPEN
        )
    assert _stored_totals(pipeline_ws) == fresh_totals(pipeline_ws)
    assert _stored_totals(other_workspace) == theirs == fresh_totals(other_workspace)
    # The triggers are on again: the next write is counted as it happens.
    Record.objects.of(pipeline_ws).filter(status=RecordStatus.OPEN).update(stage=stages["won"])
    assert _stored_totals(pipeline_ws) == fresh_totals(pipeline_ws)
    assert not StageTotal.objects.of(pipeline_ws).filter(n=0).exists()


def test_a_failed_load_leaves_the_triggers_on(pipeline_ws, stages, people):
    rng = random.Random(12)
    with (
        contextlib.suppress(RuntimeError),
        services.stage_totals_deferred(workspace_id=pipeline_ws.pk),
    ):
        _spread(pipeline_ws, stages, people, rng, 3)
        raise RuntimeError("the load failed")
    _spread(pipeline_ws, stages, people, rng, 4)
    assert _stored_totals(pipeline_ws) == fresh_totals(pipeline_ws)
    assert Record.objects.of(pipeline_ws).count() == 4  # the failed load's rows rolled back
