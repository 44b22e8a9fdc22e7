"""Demo records: ~3 contacts and ~10 activities each, in a realistic spread. Bulk inserts in
batches, because this is also how benchmarks get 100k+ records."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from playbook.demo import DemoContext
from playbook.models import Role
from records.models import (
    Activity,
    ActivityKind,
    Contact,
    Record,
    RevenueBand,
    Seniority,
    Source,
)

BATCH = 2000

PREFIXES = [
    "Blue",
    "North",
    "Bright",
    "Iron",
    "Silver",
    "Quantum",
    "Cedar",
    "Nova",
    "Atlas",
    "Summit",
    "Harbor",
    "Vertex",
    "Pine",
    "Lumen",
    "Orbit",
    "Crescent",
    "Granite",
    "Swift",
]
SUFFIXES = [
    "Labs",
    "Systems",
    "Analytics",
    "Cloud",
    "Works",
    "Logistics",
    "Health",
    "Finance",
    "Robotics",
    "Media",
    "Networks",
    "Foods",
    "Energy",
    "Retail",
    "Security",
    "Bio",
]
INDUSTRIES = [
    "Software",
    "Fintech",
    "Healthcare",
    "Logistics",
    "Retail",
    "Manufacturing",
    "Media",
    "Education",
    "Energy",
    "Telecom",
]
COUNTRIES = [
    "United States",
    "United Kingdom",
    "Germany",
    "France",
    "Israel",
    "Netherlands",
    "Canada",
    "Australia",
    "Spain",
    "Sweden",
]
FIRST = [
    "Noa",
    "Liam",
    "Maya",
    "Ethan",
    "Olivia",
    "Daniel",
    "Sofia",
    "Lucas",
    "Emma",
    "Adam",
    "Yael",
    "Omar",
    "Chloe",
    "Ben",
    "Priya",
    "Tom",
    "Lea",
    "Ivan",
    "Sara",
    "Max",
]
LAST = [
    "Cohen",
    "Smith",
    "Müller",
    "Martin",
    "Levi",
    "Brown",
    "Garcia",
    "Rossi",
    "Jensen",
    "Novak",
    "Khan",
    "Silva",
    "Dubois",
    "Weber",
    "Park",
    "Ali",
]
TITLES = [
    ("CEO", Seniority.C_LEVEL),
    ("CRO", Seniority.C_LEVEL),
    ("VP Sales", Seniority.VP),
    ("VP Marketing", Seniority.VP),
    ("Director of Operations", Seniority.DIRECTOR),
    ("Head of RevOps", Seniority.DIRECTOR),
    ("Sales Manager", Seniority.MANAGER),
    ("IT Manager", Seniority.MANAGER),
    ("Account Executive", Seniority.INDIVIDUAL),
    ("Analyst", Seniority.INDIVIDUAL),
]
# Inbound sources dominate a B2B SaaS funnel; outbound and referrals fill the rest.
SOURCE_WEIGHTS = [
    (Source.WEBINAR, 18),
    (Source.CONTENT_DOWNLOAD, 22),
    (Source.EVENT, 10),
    (Source.DEMO_REQUEST, 15),
    (Source.OUTBOUND, 20),
    (Source.REFERRAL, 8),
    (Source.PARTNER, 5),
    (Source.OTHER, 2),
]
ACTIVITY_WEIGHTS = [
    (ActivityKind.EMAIL, 30),
    (ActivityKind.CALL, 20),
    (ActivityKind.MEETING, 8),
    (ActivityKind.DEMO, 4),
    (ActivityKind.NOTE, 12),
    (ActivityKind.TASK, 8),
    (ActivityKind.WEBINAR, 5),
    (ActivityKind.CONTENT, 6),
    (ActivityKind.EVENT, 2),
    (ActivityKind.SUPPORT, 3),
    (ActivityKind.TRAINING, 1),
    (ActivityKind.QBR, 1),
]
SUBJECTS = {
    ActivityKind.EMAIL: "Follow-up e-mail",
    ActivityKind.CALL: "Discovery call",
    ActivityKind.MEETING: "Meeting with the team",
    ActivityKind.DEMO: "Product demo",
    ActivityKind.NOTE: "Note from conversation",
    ActivityKind.TASK: "Send proposal",
    ActivityKind.WEBINAR: "Attended webinar",
    ActivityKind.CONTENT: "Downloaded case study",
    ActivityKind.EVENT: "Met at conference booth",
    ActivityKind.SUPPORT: "Support ticket",
    ActivityKind.TRAINING: "Onboarding training",
    ActivityKind.QBR: "Quarterly business review",
}


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def seed(ctx: DemoContext) -> None:
    rng, ws, now = ctx.rng, ctx.workspace, timezone.now()
    owners = ctx.members[Role.MARKETING] + ctx.members[Role.SDR] + ctx.members[Role.AE]
    actors = ctx.users
    for start in range(0, ctx.records, BATCH):
        size = min(BATCH, ctx.records - start)
        records = []
        for i in range(start, start + size):
            name = f"{rng.choice(PREFIXES)} {rng.choice(SUFFIXES)} {i + 1}"
            employees = int(rng.lognormvariate(4.5, 1.3)) + 2
            records.append(
                Record(
                    workspace=ws,
                    name=name,
                    domain=name.lower().replace(" ", "") + ".example.com",
                    industry=rng.choice(INDUSTRIES),
                    employee_count=employees,
                    country=rng.choice(COUNTRIES),
                    revenue_band=rng.choice(RevenueBand.values),
                    source=_weighted(rng, SOURCE_WEIGHTS),
                    owner=rng.choice(owners),
                    problem_acknowledged=rng.random() < 0.6,
                    icp_score=rng.randint(5, 98),
                    icp_scored_at=now,
                    expected_arr=Decimal(rng.randrange(6, 120) * 1000)
                    if rng.random() < 0.4
                    else None,
                    expected_close_date=(now + timedelta(days=rng.randint(-30, 180))).date()
                    if rng.random() < 0.4
                    else None,
                )
            )
        Record.objects.bulk_create(records, batch_size=BATCH)
        contacts, activities = [], []
        for record in records:
            for c in range(rng.choice((2, 3, 3, 4))):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                title, seniority = rng.choice(TITLES)
                phone_ok = rng.random() < 0.85
                contacts.append(
                    Contact(
                        workspace=ws,
                        record=record,
                        first_name=first,
                        last_name=last,
                        email=f"{first.lower()}.{last.lower()}@{record.domain}",
                        email_valid=True,
                        phone_raw="+1 415 555 0" + str(rng.randint(100, 199))
                        if phone_ok
                        else "123",
                        phone="+14155550" + str(rng.randint(100, 199)) if phone_ok else "",
                        phone_valid=phone_ok,
                        job_title=title,
                        seniority=seniority,
                        is_primary=c == 0,
                    )
                )
            for _ in range(rng.randint(6, 14)):
                kind = _weighted(rng, ACTIVITY_WEIGHTS)
                occurred = now - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1440))
                is_task = kind == ActivityKind.TASK
                done = not is_task or rng.random() < 0.6
                activities.append(
                    Activity(
                        workspace=ws,
                        record=record,
                        kind=kind,
                        subject=SUBJECTS[kind],
                        occurred_at=occurred,
                        due_at=now + timedelta(days=rng.randint(-10, 20)) if is_task else None,
                        done=done,
                        done_at=occurred if is_task and done else None,
                        actor=rng.choice(actors),
                        assignee=record.owner if is_task else None,
                    )
                )
        Contact.objects.bulk_create(contacts, batch_size=BATCH)
        Activity.objects.bulk_create(activities, batch_size=BATCH)
