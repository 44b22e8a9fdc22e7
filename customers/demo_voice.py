"""Demo NPS/CSAT answers and CS engagements for the demo customers (customers.demo), written in
bulk like the rest of seed_demo: each customer gets a sentiment (most are happy, some neutral,
fewer unhappy, more so after a downgrade or a churn), relationship NPS surveys about twice a year
from one of its contacts, an onboarding session after the win, quarterly business reviews,
support tickets (a CSAT answer after many of them) and meetings. Some customers were left alone
lately, so "engagements due" and the health scores have something to show."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone

from customers.models import SurveyKind, SurveyResponse
from playbook.sql import AnyOf
from records.demo import insert_rows
from records.models import Activity, ActivityKind, Contact, Record

SURVEY_COLUMNS = [
    "workspace",
    "record",
    "contact",
    "kind",
    "score",
    "comment",
    "responded_on",
    "logged_by",
    "created_at",
]
ENGAGEMENT_COLUMNS = [
    "workspace",
    "record",
    "kind",
    "subject",
    "body",
    "occurred_at",
    "done",
    "done_at",
    "actor",
    "created_at",
]
CHUNK = 5000
# NPS answers by sentiment: (scores, weights).
NPS = {
    "happy": ([8, 9, 10], [2, 5, 4]),
    "neutral": ([6, 7, 8, 9], [2, 4, 4, 1]),
    "unhappy": ([0, 2, 3, 4, 5, 6, 7], [1, 1, 2, 2, 3, 3, 1]),
}
CSAT = {
    "happy": ([3, 4, 5], [1, 4, 6]),
    "neutral": ([2, 3, 4, 5], [1, 3, 4, 2]),
    "unhappy": ([1, 2, 3, 4], [2, 3, 3, 1]),
}
COMMENTS = {
    "happy": [
        "The renewal forecast alone paid for it.",
        "Our reps actually keep the pipeline up to date now.",
        "Great onboarding, the team was live in a week.",
        "",
        "",
    ],
    "neutral": [
        "Good product, reporting could be more flexible.",
        "Does the job; the import took a few tries.",
        "",
        "",
    ],
    "unhappy": [
        "Too expensive for what we use.",
        "Support took days to answer.",
        "We still export to spreadsheets for the board.",
        "",
    ],
}
SUBJECTS = {
    ActivityKind.TRAINING: ["Onboarding kickoff", "Admin training", "New-hire training"],
    ActivityKind.QBR: ["Quarterly business review"],
    ActivityKind.SUPPORT: ["Import question", "Login problem", "Report not loading", "API limits"],
    ActivityKind.MEETING: ["Check-in call", "Roadmap preview", "Expansion discussion"],
}


def _at(ws, day: date, rng) -> datetime:
    """A working-hours moment of `day` on the workspace's clock."""
    moment = datetime.combine(day, time(9)) + timedelta(minutes=rng.randrange(0, 8 * 60))
    return timezone.make_aware(moment, ws.tzinfo)


def seed_voice(ctx, customers: list[tuple[int, date, bool]], today: date) -> None:
    """customers: (record id, won on, had a downgrade or churn). Writes surveys and engagements
    in bulk, then the records' last-activity times, set-based."""
    if not customers:
        return
    ws, now = ctx.workspace, timezone.now()
    # In chunks: at 1M records, 145k customers' surveys and engagements (millions of rows)
    # held at once were most of the seed's memory.
    for start in range(0, len(customers), CHUNK):
        _voice(ctx, customers[start : start + CHUNK], today, now)
    ids = [rid for rid, _, _ in customers]
    last_done = (
        Activity.objects.of(ws)
        .filter(record_id=OuterRef("pk"), done=True)
        .values("record_id")
        .annotate(last=Max("done_at"))
        .values("last")
    )
    Record.objects.of(ws).filter(AnyOf(F("pk"), ids)).update(last_activity_at=Subquery(last_done))
    # The ICP profile counts recent activities, so the engagements change these records' scores:
    # seed_demo rescores every record after this (records.icp_demo), once for all the seeders.


def _voice(ctx, customers: list[tuple[int, date, bool]], today: date, now) -> None:
    ws, rng = ctx.workspace, ctx.rng
    ids = [rid for rid, _, _ in customers]
    contacts: dict[int, list[int]] = {}
    for rid, pk in (
        Contact.objects.of(ws).filter(AnyOf(F("record_id"), ids)).values_list("record_id", "pk")
    ):
        contacts.setdefault(rid, []).append(pk)
    owners = dict(Record.objects.of(ws).filter(AnyOf(F("pk"), ids)).values_list("pk", "owner_id"))
    surveys, engagements = [], []

    def survey(rid, kind, sentiment, day, csm):
        scores, weights = (NPS if kind == SurveyKind.NPS else CSAT)[sentiment]
        surveys.append(
            (
                ws.pk,
                rid,
                rng.choice(contacts[rid]) if contacts.get(rid) else None,
                kind,
                rng.choices(scores, weights)[0],
                rng.choice(COMMENTS[sentiment]),
                day,
                csm,
                now,
            )
        )

    def engage(rid, kind, day, csm):
        at = _at(ws, day, rng)
        engagements.append(
            (ws.pk, rid, kind, rng.choice(SUBJECTS[kind]), "", at, True, at, csm, now)
        )

    for rid, won_on, troubled in customers:
        csm = owners.get(rid)
        roll = rng.random()
        unhappy_share = 0.45 if troubled else 0.15
        sentiment = (
            "unhappy"
            if roll < unhappy_share
            else "neutral"
            if roll < unhappy_share + 0.3
            else "happy"
        )
        # Left alone lately: engagements stop some weeks ago (more often for unhappy ones).
        quiet_from = today + timedelta(days=1)
        if rng.random() < (0.4 if sentiment == "unhappy" else 0.15):
            quiet_from = today - timedelta(days=rng.randint(35, 120))
        engage(
            rid, ActivityKind.TRAINING, min(won_on + timedelta(days=rng.randint(2, 14)), today), csm
        )
        day = won_on + timedelta(days=91)
        while day < min(today, quiet_from):  # quarterly business reviews
            engage(rid, ActivityKind.QBR, day, csm)
            day += timedelta(days=rng.randint(85, 100))
        day = won_on + timedelta(days=rng.randint(5, 60))
        while day <= today:  # support tickets, a CSAT answer after most
            if day < quiet_from:
                engage(rid, ActivityKind.SUPPORT, day, csm)
            if rng.random() < 0.6:
                survey(rid, SurveyKind.CSAT, sentiment, min(day + timedelta(days=1), today), csm)
            day += timedelta(days=rng.randint(30, 110))
        day = won_on + timedelta(days=rng.randint(20, 80))
        while day < min(today, quiet_from):  # meetings
            engage(rid, ActivityKind.MEETING, day, csm)
            day += timedelta(days=rng.randint(45, 150))
        day = won_on + timedelta(days=rng.randint(30, 90))
        while day <= today:  # relationship NPS, about twice a year
            survey(rid, SurveyKind.NPS, sentiment, day, csm)
            day += timedelta(days=rng.randint(150, 200))
    insert_rows(SurveyResponse, SURVEY_COLUMNS, surveys)
    insert_rows(Activity, ENGAGEMENT_COLUMNS, engagements)
