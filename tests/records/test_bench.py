"""bench/pages.py must keep working: every page it measures answers 200 on a seeded workspace.
(The timings themselves are for the benchmark run, never for tests.)"""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_every_benchmarked_page_answers(client, capsys):
    call_command("seed_demo", workspace="bench", records=40)
    capsys.readouterr()
    from bench import pages

    bench = pages.prepare("bench")
    assert bench.records == 40 and bench.deep_cursor and bench.record_ids
    for label, builder, *role in pages.PAGES:
        # A page may name the role to look at it as; the others use the bench user.
        user = getattr(bench, "users", {}).get(role[0]) if role else bench.user
        client.force_login(user or bench.user)
        assert client.get(builder(bench)).status_code == 200, label
