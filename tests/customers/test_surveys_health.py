"""NPS/CSAT formulas on hand-computed examples, survey logging and CSV import, health score and
its explanation, the customer list, the settings page, the record matcher."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers import selectors, services
from customers.models import Customer, Subscription, SurveyResponse
from customers.selectors import surveys
from records.matching import match_records, normalize_domain
from records.models import Record
from tests.conftest import login_as
from tests.factories import ActivityFactory, ContactFactory, RecordFactory

TODAY = date(2026, 6, 30)


def _paying(workspace, mrr, **fields):
    record = RecordFactory(workspace=workspace, **fields)
    services.subscription_start(
        workspace=workspace,
        record=record,
        mrr=mrr,
        started_on=date(2026, 1, 1),
        actor=None,
        today=TODAY,
    )
    return record


def _answer(record, kind, score, on=TODAY):
    return services.survey_log(
        workspace=record.workspace,
        record=record,
        kind=kind,
        score=score,
        responded_on=on,
        actor=None,
        today=TODAY,
    )


def test_nps_csat_and_arr_weighted_nps_on_a_hand_computed_example(workspace):
    a, b, c = _paying(workspace, "1000"), _paying(workspace, "500"), _paying(workspace, "100")
    for record, score in ((a, 10), (a, 9), (b, 9), (b, 7), (c, 3)):
        _answer(record, "nps", score)
    for record, score in ((a, 5), (b, 4), (c, 3), (c, 1)):
        _answer(record, "csat", score)
    _answer(c, "nps", 0, on=TODAY - timedelta(days=90))  # outside the 90 days
    s = selectors.scores(workspace, today=TODAY)
    assert (s.nps_responses, s.promoters, s.detractors) == (5, 3, 1)
    assert s.nps == 40  # (3 - 1) / 5
    assert s.csat == 50  # 2 of 4
    # ARR: a 12,000 (two promoters), b 6,000 (a promoter, a passive), c 1,200 (a detractor)
    assert s.arr_total == Decimal("37200") and s.arr_promoters == Decimal("30000")
    assert s.arr_weighted_nps == 77  # (30,000 - 1,200) / 37,200 = 77.4
    assert selectors.scores(workspace, today=TODAY, record=c).nps == -100
    assert selectors.scores(workspace, today=TODAY - timedelta(days=200)).nps is None


def _live_scores(workspace, today=TODAY):
    """The scores counted from every answer, as before SurveyDay (and on other databases)."""
    row = surveys.responses(workspace, today=today).aggregate(**surveys._aggregates())
    return surveys._scores(row)


def test_each_answer_weighs_its_customers_current_mrr_read_without_the_records_table(workspace):
    """Counted from the answers (a customer's or a CSM's scores; every database but
    PostgreSQL for the workspace's), the ARR weights join the answer's customer on (workspace,
    record) directly: a record with no customer row weighs nothing, an MRR change shows at
    once."""
    paying = _paying(workspace, "1000")
    prospect = RecordFactory(workspace=workspace)  # answered, but never billed
    _answer(paying, "nps", 10)
    SurveyResponse.objects.create(
        workspace=workspace, record=prospect, kind="nps", score=0, responded_on=TODAY
    )
    with CaptureQueriesContext(connection) as ctx:
        s = _live_scores(workspace)
    assert len(ctx) == 1 and "records_record" not in ctx[0]["sql"]
    assert (s.nps_responses, s.promoters, s.detractors) == (2, 1, 1)
    assert (s.arr_total, s.arr_promoters, s.arr_detractors) == (Decimal("12000"),) * 2 + (0,)
    Customer.objects.filter(record=paying).update(mrr=Decimal("250"))
    assert _live_scores(workspace).arr_promoters == Decimal("3000")
    assert selectors.scores(workspace, today=TODAY, record=paying).arr_total == Decimal("3000")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_the_workspace_scores_kept_per_day_equal_every_answer_counted(workspace, other_workspace):
    """SurveyDay is written by triggers only: after each kind of write to answers or to a
    customer's MRR, by a service or in bulk, the workspace's scores read from it are exactly
    those counted from every answer."""
    a, b = _paying(workspace, "1000"), _paying(workspace, "500")
    prospect = RecordFactory(workspace=workspace)
    theirs = _paying(other_workspace, "777")

    def same():
        with CaptureQueriesContext(connection) as ctx:
            kept = selectors.scores(workspace, today=TODAY)
        assert len(ctx) == 1 and "customers_surveyday" in ctx[0]["sql"]
        assert kept == _live_scores(workspace)
        for day in (TODAY - timedelta(days=60), TODAY + timedelta(days=30)):
            assert selectors.scores(workspace, today=day) == _live_scores(workspace, day)
        return kept

    assert same().nps_responses == 0
    _answer(a, "nps", 10)
    _answer(b, "nps", 3)
    _answer(a, "csat", 5)
    _answer(b, "nps", 9, on=TODAY - timedelta(days=45))
    _answer(b, "nps", 0, on=TODAY - timedelta(days=100))  # outside today's window
    _answer(theirs, "nps", 0)  # another workspace's
    SurveyResponse.objects.create(
        workspace=workspace, record=prospect, kind="nps", score=2, responded_on=TODAY
    )
    assert same().arr_total == Decimal("24000")  # 12,000 + 6,000 + 6,000 + the prospect: 0
    # An upsell through the ledger, and the import's bulk update of customers' MRR.
    sub = Subscription.objects.get(record=b)
    services.subscription_change_mrr(
        workspace=workspace, subscription=sub, mrr="800", effective_on=TODAY, actor=None,
        today=TODAY,
    )  # fmt: skip
    assert same().arr_detractors == Decimal("9600")
    Customer.objects.filter(workspace=workspace).update(mrr=F("mrr") + 1)
    same()
    # The prospect becomes a customer; an answer moves to another record (as a merge moves
    # them) and another is corrected; a customer row and an answer are deleted.
    Customer.objects.create(workspace=workspace, record=prospect, mrr=Decimal("250"))
    assert same().arr_detractors == Decimal("12612")  # (801 + 250) x 12
    SurveyResponse.objects.filter(record=prospect).update(record=a)
    SurveyResponse.objects.filter(record=b, score=9).update(score=4)
    same()
    Customer.objects.filter(record=a).delete()
    SurveyResponse.objects.filter(record=b, score=3).delete()
    kept = same()
    assert (kept.nps_responses, kept.promoters, kept.detractors) == (3, 1, 2)


def test_survey_bad_input_saves_nothing(workspace):
    record = _paying(workspace, "10")
    for kind, score, message in (
        ("nps", 11, "from 0 to 10"),
        ("csat", 0, "from 1 to 5"),
        ("nps", "x", "whole number"),
        ("ces", 3, "NPS or CSAT"),
    ):
        with pytest.raises(ValidationError, match=message):
            _answer(record, kind, score)
    with pytest.raises(ValidationError, match="future"):
        _answer(record, "nps", 9, on=TODAY + timedelta(days=1))
    other = ContactFactory(record=RecordFactory(workspace=workspace))
    with pytest.raises(ValidationError, match="this customer's contacts"):
        services.survey_log(
            workspace=workspace,
            record=record,
            kind="nps",
            score=9,
            responded_on=TODAY,
            contact=other.pk,
            actor=None,
            today=TODAY,
        )
    assert not SurveyResponse.objects.exists()


def test_survey_import_is_all_or_nothing_and_lists_every_bad_row(workspace):
    acme = _paying(workspace, "10", name="Acme", domain="www.acme.com")
    ContactFactory(record=acme, email="ana@acme.com")
    good = "customer,domain,contact_email,kind,score,date,comment\n"
    good += "Whatever,https://acme.com/,ana@acme.com,nps,9,2026-06-01,Great\n"
    good += "Acme,,,csat,4,2026-06-02,\n"
    bad = good + "Nobody Inc,,,nps,11,2025-02-30,\nAcme,,,csat,0,2026-06-01,\n"
    with pytest.raises(ValidationError) as refused:
        services.surveys_import(workspace=workspace, text=bad, actor=None, today=TODAY)
    assert refused.value.messages == [
        "Row 4, customer: No record named “Nobody Inc”.",
        "Row 4, score: A NPS score is from 0 to 10; 11 is not.",
        "Row 4, date: “2025-02-30” is not a date (YYYY-MM-DD).",
        "Row 5, score: A CSAT score is from 1 to 5; 0 is not.",
    ]
    assert not SurveyResponse.objects.exists()
    done = services.surveys_import(workspace=workspace, text=good, actor=None, today=TODAY)
    assert (done.rows, done.added, done.skipped) == (2, 2, 0)
    assert SurveyResponse.objects.filter(record=acme, contact__email="ana@acme.com").count() == 1


def test_survey_files_are_read_like_every_import(workspace):
    """The shared reader (playbook.csvio): semicolons, a byte-order mark, blank lines; a row
    wider than the header is refused by its spreadsheet row number."""
    _paying(workspace, "10", name="Acme", domain="acme.com")
    text = "\ufeffcustomer;kind;score;date\n\nAcme;nps;9;2026-06-01\n"
    done = services.surveys_import(workspace=workspace, text=text, actor=None, today=TODAY)
    assert (done.rows, done.added) == (1, 1)
    with pytest.raises(ValidationError) as refused:
        services.surveys_import(
            workspace=workspace, text=text + "Acme;nps;8;2026-06-02;extra\n", actor=None
        )
    assert refused.value.messages == ["Row 4: has 5 cells; the header names 4 columns."]


def test_reimporting_answers_adds_nothing_and_reports_its_progress(workspace):
    from playbook.models import AuditEvent

    acme = _paying(workspace, "10", name="Acme", domain="acme.com")
    ContactFactory(record=acme, email="ana@acme.com")
    text = "customer,domain,contact_email,kind,score,date,comment\n"
    text += "Acme,acme.com,ana@acme.com,nps,9,2026-06-01,Great\n"
    text += "Acme,acme.com,,csat,4,2026-06-02,\n"
    text += "Acme,acme.com,,csat,4,2026-06-02,\n"  # two equal answers that day: both count
    steps = []
    first = services.surveys_import(
        workspace=workspace, text=text, actor=None, today=TODAY, progress=lambda *a: steps.append(a)
    )
    assert str(first) == "3 rows: 3 answers added, 0 already there."
    assert steps == [(0, 3), (1, 3), (3, 3)]
    again = services.surveys_import(
        workspace=workspace,
        text=text + "Acme,acme.com,,csat,4,2026-06-02,\nAcme,acme.com,,nps,9,2026-06-01,Great\n",
        actor=None,
        today=TODAY,
    )
    # The third equal CSAT row and the NPS answer without the contact are new; the rest known.
    assert (again.rows, again.added, again.skipped) == (5, 2, 3)
    assert SurveyResponse.objects.of(workspace).count() == 5
    events = AuditEvent.objects.of(workspace).order_by("id")
    assert [e.detail["answers added"] for e in events] == [3, 2]  # one event per import


def test_the_matcher_prefers_the_domain_then_the_exact_name(workspace, other_workspace):
    by_domain = RecordFactory(workspace=workspace, name="Acme GmbH", domain="acme.com")
    by_name = RecordFactory(workspace=workspace, name="Beta", domain="")
    RecordFactory(workspace=other_workspace, name="Gamma", domain="gamma.io")
    assert normalize_domain("HTTPS://WWW.Acme.com/x") == "acme.com"
    # Bare host names skip urlsplit; every spelling still normalises as urlsplit would.
    for raw, bare in [
        ("Acme.COM", "acme.com"),
        (" www.acme.com. ", "acme.com"),
        ("acme.com:8080", "acme.com"),
        ("user@acme.com", "acme.com"),
        ("münchen.de", "münchen.de"),
        (".", ""),
        ("", ""),
    ]:
        assert normalize_domain(raw) == bare
    assert match_records(
        workspace,
        [("Beta", "acme.com"), ("Beta", ""), ("beta", ""), ("Gamma", "gamma.io"), ("", "")],
    ) == [by_domain.pk, by_name.pk, None, None, None]


def test_health_explanation_adds_up_to_the_score(workspace):
    record = _paying(workspace, "100")
    _answer(record, "nps", 10)
    _answer(record, "csat", 2)
    ActivityFactory(record=record, kind="meeting", done=True, done_at=timezone.now())
    from records.services.records import record_touch

    record_touch(workspace_id=workspace.pk, record_id=record.pk, activities_changed=True)
    sub = record.subscriptions.get()
    services.subscription_change_mrr(
        workspace=workspace,
        subscription=sub.pk,
        mrr="80",
        effective_on=workspace.today(),
        actor=None,
    )
    services.health_recompute(workspace=workspace, today=workspace.today())
    customer = Customer.objects.get(record=record)
    lines = customer.health_explanation
    assert [line["met"] for line in lines] == [True, False, True, True, False, True]
    assert customer.health_score == 70 == sum(line["points"] for line in lines if line["met"])
    settings = services.settings_of(workspace)
    settings.health_weights = {
        "nps": 0,
        "csat": 50,
        "engagement": 0,
        "tasks": 0,
        "mrr_trend": 50,
        "renewal": 0,
    }
    settings.save()
    services.health_recompute(workspace=workspace, today=workspace.today())
    assert Customer.objects.get(record=record).health_score == 0


def test_the_customer_list_filters_and_paginates(client, workspace, member_factory):
    csm = member_factory(workspace, "csm")
    records = [_paying(workspace, str(100 * (i + 1)), owner=csm.user) for i in range(5)]
    _paying(workspace, "7")
    login_as(client, member_factory(workspace, "ae"))
    url = reverse("customers:list", args=[workspace.slug])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index(records[4].name) < body.index(records[0].name)  # largest MRR first
    filtered = client.get(url + f"?csm={csm.user_id}&mrr_min=250&mrr_max=450").content.decode()
    assert records[2].name in filtered and records[3].name in filtered
    assert records[1].name not in filtered and records[4].name not in filtered
    due = client.get(url + "?due=on").content.decode()
    assert records[0].name in due  # no engagement ever
    assert client.get(url + "?mrr_min=abc").status_code == 400
    assert client.get(url + "?after=broken").status_code == 400


def test_the_customer_list_keyset_walks_every_customer_once(workspace):
    for i in range(7):
        _paying(workspace, str(10 + i % 3))
    seen, cursor = [], None
    while True:
        page = selectors.customer_page_of(
            workspace,
            selectors.CustomerFilters(),
            today=TODAY,
            engagement_days=30,
            cursor=cursor,
            size=3,
        )
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7


def test_settings_are_for_admins_and_validate(client, workspace, member_factory):
    url = reverse("customers:settings", args=[workspace.slug])
    login_as(client, member_factory(workspace, "csm"))
    assert client.get(url).status_code == 403
    login_as(client, member_factory(workspace, "admin"))
    data = {
        "time_zone": "Mars/Olympus",
        "renewal_grace_days": 7,
        "engagement_days": 45,
        **{
            f"weight_{k}": 10
            for k in ("nps", "csat", "engagement", "tasks", "mrr_trend", "renewal")
        },
    }
    answer = client.post(url, data)
    assert answer.status_code == 400 and "not a time zone" in answer.content.decode()
    assert client.post(url, {**data, "time_zone": "Europe/Berlin"}).status_code == 302
    workspace.refresh_from_db()
    assert workspace.time_zone == "Europe/Berlin"
    assert services.settings_of(workspace).engagement_days == 45


def test_survey_and_engagement_forms_on_the_customer_page(client, workspace, member_factory):
    record = _paying(workspace, "50")
    login_as(client, member_factory(workspace, "csm"))
    url = reverse("customers:survey_add", args=[workspace.slug, record.pk])
    answer = client.post(url, {"kind": "nps", "score": "11", "responded_on": "2026-01-05"})
    assert answer.status_code == 400 and "from 0 to 10" in answer.content.decode()
    assert (
        client.post(url, {"kind": "nps", "score": "9", "responded_on": "2026-01-05"}).status_code
        == 302
    )
    today = workspace.today().isoformat()
    client.post(url, {"kind": "nps", "score": "3", "responded_on": today})
    client.post(url, {"kind": "nps", "score": "10", "responded_on": today})
    client.post(url, {"kind": "csat", "score": "5", "responded_on": today})
    page = client.get(reverse("customers:detail", args=[workspace.slug, record.pk]))
    # The customer's own NPS, CSAT and ARR-weighted NPS (one customer: weighted = plain).
    assert "NPS <strong>0</strong> (2 answers)" in page.content.decode()
    assert "ARR-weighted NPS <strong>0</strong>" in page.content.decode()
    assert "CSAT <strong>100 %</strong>" in page.content.decode()
    url = reverse("customers:engagement_add", args=[workspace.slug, record.pk])
    assert client.post(url, {"kind": "qbr", "occurred_on": "2026-01-06"}).status_code == 302
    assert record.activities.filter(kind="qbr", done=True).exists()
    login_as(client, member_factory(workspace, "sdr"))
    assert client.post(url, {"kind": "qbr", "occurred_on": "2026-01-06"}).status_code == 403


def test_survey_import_page_runs_a_job_with_progress(
    client,
    workspace,
    member_factory,
    sent_tasks,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    from customers.models import ImportJob

    _paying(workspace, "10", name="Acme")
    login_as(client, member_factory(workspace, "csm"))
    url = reverse("customers:surveys_import", args=[workspace.slug])
    bad = SimpleUploadedFile("a.csv", b"customer,kind,score,date\nAcme,nps,12,2026-01-01\n")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"file": bad})
    job = ImportJob.objects.of(workspace).get()
    assert answer.status_code == 302 and job.kind == "surveys"
    assert sent_tasks == [("customers.tasks.import_run", (workspace.pk, job.pk))]
    with django_assert_max_num_queries(8):
        waiting = client.get(answer["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Waiting" in waiting and "every 1s" in waiting and "<html" not in waiting
    services.import_job_run(workspace=workspace, job_id=job.pk)  # what the worker does
    page = client.get(answer["Location"]).content.decode()
    assert "Nothing was imported" in page and "Row 2, score" in page
    assert not SurveyResponse.objects.exists()
    good = SimpleUploadedFile("b.csv", b"customer,kind,score,date\nAcme,nps,10,2026-01-01\n")
    answer = client.post(url, {"file": good})
    services.import_job_run(workspace=workspace, job_id=ImportJob.objects.latest("id").pk)
    page = client.get(answer["Location"]).content.decode()
    assert "1 rows: 1 answers added, 0 already there." in page and "every 1s" not in page
    assert SurveyResponse.objects.of(workspace).count() == 1
    listing = client.get(url).content.decode()
    assert "Recent imports" in listing and "b.csv" in listing
    # The billing import's job page (admins) does not show an answers import, and back.
    admin = member_factory(workspace, "admin")
    login_as(client, admin)
    billing_job = reverse("customers:import_job", args=[workspace.slug, job.pk])
    assert client.get(billing_job).status_code == 404
    login_as(client, member_factory(workspace, "ae"))
    assert client.get(url).status_code == 403
    assert client.get(answer["Location"]).status_code == 403


def test_another_workspaces_answers_import_is_404(
    client, workspace, member_factory, other_workspace
):
    from customers.models import ImportJob

    job = ImportJob.objects.create(
        workspace=other_workspace, kind="surveys", file_name="x.csv", content=""
    )
    login_as(client, member_factory(workspace, "csm"))
    url = reverse("customers:surveys_import_job", args=[workspace.slug, job.pk])
    assert client.get(url).status_code == 404


def test_engagements_due_per_csm_are_counted_once_then_kept_a_while(
    workspace, member_factory, django_assert_num_queries
):
    csm = member_factory(workspace, "csm")
    quiet = [_paying(workspace, "100", owner=csm.user) for _ in range(2)]
    engaged = _paying(workspace, "200", owner=csm.user)
    ActivityFactory(record=engaged, kind="meeting", done=True, occurred_at=timezone.now())
    Record.objects.filter(pk=engaged.pk).update(last_activity_at=timezone.now())
    with django_assert_num_queries(1):
        assert selectors.engagements_due_by_csm(workspace, engagement_days=30) == {
            csm.user_id: len(quiet)
        }
    with django_assert_num_queries(0):  # the page's next views read the kept counts
        assert selectors.engagements_due_by_csm(workspace, engagement_days=30) == {
            csm.user_id: len(quiet)
        }
    # Another setting is another count.
    with django_assert_num_queries(1):
        assert selectors.engagements_due_by_csm(workspace, engagement_days=1000) == {
            csm.user_id: len(quiet)
        }


def test_health_of_many_changes_in_one_transaction_is_recomputed_once(
    workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        # Two subscriptions started in one transaction: one recompute for both customers.
        first, second = _paying(workspace, "100"), _paying(workspace, "200")
    assert len(callbacks) == 1
    assert callbacks[0].record_ids == {first.pk, second.pk}
    scores = Customer.objects.of(workspace).values_list("health_score", flat=True)
    assert len(scores) == 2 and None not in set(scores)
