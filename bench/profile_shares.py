"""Where the gunicorn workers' CPU time went: the py-spy samples of `bench/load.py --profile DIR`
(collapsed stacks, DIR/worker-*.txt), merged. Samples taken while psycopg waited for
PostgreSQL (libpq blocks in C, which py-spy counts as running) are counted apart; the shares are
of the other samples, the workers' own CPU:

- inclusive: samples with the step anywhere on the stack (steps nest: a query run by a lazy
  queryset inside a template counts for both);
- exclusive: where the code of the sampled frame lives;
- by view.

    .venv/bin/python bench/profile_shares.py DIR
"""

import re
import sys
from collections import Counter
from pathlib import Path

WAITS = ("Connection.wait (psycopg/", "._execute_send (psycopg/", "._exec_command (psycopg/")

# (label, a test on one frame "qualified.name (path/file.py:line)").
STEPS = [
    ("template rendering", lambda f: f.startswith("Template.render (django/template/backends/")),
    ("- {% include %}", lambda f: "IncludeNode.render" in f),
    ("- template_partials", lambda f: "template_partials/" in f),
    ("model instances from rows", lambda f: "ModelIterable.__iter__" in f or "from_db" in f),
    ("psycopg (its own Python)", lambda f: "psycopg/" in f),
    ("forms", lambda f: "django/forms/" in f),
    ("SQL compiled by the ORM (as_sql)", lambda f: ".as_sql (django/db/" in f),
    ("reverse() and {% url %}", lambda f: f.startswith("reverse (django/urls/base.py")),
    ("translation (trans_real)", lambda f: "translation/trans_real.py" in f),
    ("asgiref context locals", lambda f: "asgiref/local.py" in f),
    ("number and date formats", lambda f: re.search(r"localize|numberformat|dateformat", f)),
    ("workspace middleware (process_view)", lambda f: "WorkspaceMiddleware.process_view" in f),
    ("auth: user from the session", lambda f: f.startswith("get_user (django/contrib/auth/")),
    ("tenancy statements (_apply)", lambda f: f.startswith("_apply (playbook/tenancy.py")),
    ("sessions", lambda f: "django/contrib/sessions/" in f),
    ("transaction.atomic", lambda f: "django/db/transaction.py" in f),
    ("context processors", lambda f: "context_processors" in f),
    ("CSRF middleware", lambda f: "django/middleware/csrf.py" in f),
    ("CSP middleware", lambda f: "csp/middleware.py" in f),
    ("logging", lambda f: "logging/__init__.py" in f),
]

# Exclusive: first match wins.
AREAS = [
    ("templates", ("django/template/", "template_partials/", "templatetags/", "utils/html")),
    ("psycopg", ("psycopg/", "psycopg_pool/")),
    ("Django ORM", ("django/db/",)),
    ("forms", ("django/forms/",)),
    ("urls", ("django/urls/",)),
    ("sessions, auth", ("django/contrib/sessions/", "django/contrib/auth/", "axes/")),
    ("middleware packages", ("csp/", "whitenoise/", "django_htmx/", "simple_history/")),
    ("other Django", ("django/",)),
    ("gunicorn", ("gunicorn/",)),
    ("app", ("records/", "pipeline/", "playbook/", "dashboards/", "customers/", "targets/")),
]
VIEW = re.compile(r"^(\w+) \((?:records|pipeline|dashboards|playbook|customers|targets)/views")


def load(directory: Path) -> list[tuple[list[str], int]]:
    samples = []
    for path in sorted(Path(directory).glob("worker-*.txt")):
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                samples.append((stack.split(";"), int(count)))
    return samples


def area(frame: str) -> str:
    for name, needles in AREAS:
        if any(n in frame for n in needles):
            return name
    return "standard library, other"


def report(directory: Path) -> None:
    samples = load(directory)
    total = sum(n for _, n in samples)
    if not total:
        print(f"no samples in {directory}")
        return
    cpu = [(s, n) for s, n in samples if not any(w in s[-1] for w in WAITS)]
    busy = sum(n for _, n in cpu)
    print(
        f"\n{total} samples ({total / 100:.1f} s); waiting for PostgreSQL in psycopg: "
        f"{100 * (total - busy) / total:.1f} %; shares below are of the other {busy}"
    )
    print("inclusive (the step is on the stack):")
    for label, test in STEPS:
        n = sum(count for frames, count in cpu if any(test(f) for f in frames))
        print(f"  {label:<40} {100 * n / busy:>5.1f} %")
    print("exclusive (where the sampled frame's code lives):")
    areas = Counter()
    views = Counter()
    for frames, n in cpu:
        areas[area(frames[-1])] += n
        view = next((m.group(1) for f in frames if (m := VIEW.match(f))), "other")
        views[view] += n
    for name, n in areas.most_common():
        print(f"  {name:<40} {100 * n / busy:>5.1f} %")
    print("by view:")
    for name, n in views.most_common(10):
        print(f"  {name:<40} {100 * n / busy:>5.1f} %")


if __name__ == "__main__":
    report(Path(sys.argv[1]))
