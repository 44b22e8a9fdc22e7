"""Two people move the same record at the same moment: exactly one move is written, the other
person is told someone else moved it. Real threads with their own database connections."""

import threading
import time

import pytest
from django.db import connection

from pipeline import services
from pipeline.models import StageTransition
from pipeline.services import moves
from tests.pipeline.conftest import qualify


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL; on SQLite the version check alone is tested "
    "(test_moves.test_a_stale_version_is_refused_with_a_clear_message)",
)
def test_two_concurrent_moves_one_wins(monkeypatch, pipeline_ws, make_record, team):
    record = make_record("lead")
    qualify(record, "mql")
    slow_check = moves._check_rules

    def hold_the_lock(move, to_stage):
        # The first mover keeps the row lock a moment, so the second really has to wait.
        time.sleep(0.3)
        return slow_check(move, to_stage)

    monkeypatch.setattr(moves, "_check_rules", hold_the_lock)
    start = threading.Barrier(2)
    outcomes = []

    def mover(member):
        from django.db import connection as thread_connection

        try:
            start.wait()
            services.record_advance(
                workspace=pipeline_ws,
                record=record.pk,
                actor=member.user,
                membership=member,
                version=1,
            )
            outcomes.append("moved")
        except services.StaleRecord as exc:
            outcomes.append(exc.messages[0])
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=mover, args=(team[r],)) for r in ("admin", "leader")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("moved") == 1
    assert any("Someone else changed" in o and "now in MQL" in o for o in outcomes)
    assert StageTransition.objects.filter(record_id=record.pk).count() == 1
    record.refresh_from_db()
    assert record.version == 2
