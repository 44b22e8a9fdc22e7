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
    for label, builder in pages.PAGES:
        # A page may name the role to look at it as (PAGE_ROLES); the others use the bench user.
        user = bench.users.get(pages.PAGE_ROLES.get(label)) or bench.user
        client.force_login(user)
        headers = {"HTTP_HX_REQUEST": "true"} if label in pages.HTMX_PAGES else {}
        assert client.get(builder(bench), **headers).status_code == 200, label
    assert any(label.startswith("panel leader/") for label, _ in pages.PAGES)
