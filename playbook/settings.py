"""The one settings module. Everything that differs between machines comes from env vars
(see .env.example); defaults are safe for local development on SQLite."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A fixed development key only when DEBUG is on; production must set SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-change-me" if DEBUG else None)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "template_partials",
    "simple_history",
    "csp",
    "axes",
    "playbook",
    "records",
    "pipeline",
    "dataio",
    "customers",
    "targets",
    "dashboards",
    "jobs",
    "notifications",
    "bulk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # audit_record learns the acting user and their address from the request being served.
    "playbook.audit.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "playbook.middleware.WorkspaceMiddleware",
    # Last, so that it turns a refused (locked-out) login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "playbook.urls"
WSGI_APPLICATION = "playbook.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "playbook.context_processors.workspace",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# Widgets render once per distinct context and process (playbook/formrender.py).
FORM_RENDERER = "playbook.formrender.MemoRenderer"

# --- database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# The role requests and tasks run as (PostgreSQL row-level security, ADR 0006): a role that owns
# no table and cannot bypass RLS. Production connects as it (DATABASE_URL) and runs migrate as the
# owner (MIGRATION_DATABASE_URL); migrate grants it row access. The test suite logs in as a
# superuser, so fixtures can build several workspaces, and switches to this role per scope.
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")
# Django's connection pool (psycopg_pool), per process, when set: the number of connections a
# process may hold (gunicorn sync workers: 1; threaded: one per thread). Off (0) by default so
# tests and development keep one plain connection; docs/SCALING.md sizes it.
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASE_POOL_SIZE:
        from playbook.dbpool import pool_options

        # The pool keeps the connections; Django returns its connection at each request's end.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = pool_options(
            max_size=DATABASE_POOL_SIZE, timeout=env.float("DATABASE_POOL_TIMEOUT", default=10)
        )
    else:
        # Persistent connections suit gunicorn's sync workers; health checks drop dead ones.
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
else:
    # SQLite (the embedded default) shares the file with the Celery worker: WAL lets readers
    # run beside a writer, IMMEDIATE transactions and a timeout make writers wait, not fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, broker ----------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Redis down: pages keep answering without their cached figures (playbook.cache), after
    # at most the connect timeout.
    CACHES = {
        "default": {
            "BACKEND": "playbook.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "playbook.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "root"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_TTL = timedelta(days=env.int("INVITATION_TTL_DAYS", default=7))
# The sign-up confirmation link (seconds); the account is made when it is opened.
SIGNUP_LINK_TTL = env.int("SIGNUP_LINK_TTL", default=2 * 24 * 3600)
# "Forgot password" links work once, for this long (seconds).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)
# The axes backend comes first: it refuses a locked-out account or address before any password
# is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- brute-force protection (django-axes; docs/security.md) -----------------------------------
# After LOGIN_FAILURE_LIMIT failed log-ins for one account, or from one address, that account or
# address is refused for LOGIN_COOLOFF_MINUTES (on /login/ and /django-admin/login/ alike).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "playbook.security.login_username"
AXES_CLIENT_IP_CALLABLE = "playbook.security.client_ip"
AXES_LOCKOUT_CALLABLE = "playbook.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# How many proxies in front of the app append to X-Forwarded-For (0: use the socket's address).
# Behind one TLS-terminating proxy, set 1: the client is the last address that proxy added.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- public web forms (/f/<key>/, ADR 0017) ---------------------------------------------------
# Posts accepted per minute from one address and per form, and the largest body read.
WEBFORM_POSTS_PER_IP = env.int("WEBFORM_POSTS_PER_IP", default=10)
WEBFORM_POSTS_PER_FORM = env.int("WEBFORM_POSTS_PER_FORM", default=120)
WEBFORM_MAX_BYTES = env.int("WEBFORM_MAX_BYTES", default=65536)

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
# The app has no translations: with i18n off, every gettext and get_language() is a plain
# lookup instead of a context-local read (~8 % of a request's CPU, docs/PERFORMANCE.md); the
# "en" formats still apply (tests/records/test_formats.py pins them).
USE_I18N = False
USE_TZ = True

# --- static -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- e-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Playbook CRM <noreply@localhost>")

# --- security ---------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere: every script and stylesheet is a vendored file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Celery -----------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # Redis down: handing a job to Celery (jobs.services.hand_over, after a request's commit)
    # first subscribes to the task's result, and Celery's default retries that 20 times a second
    # apart: a request asking for a job waited ~20 s and held its worker (bench/load.py
    # --redis-outage). Two quick retries, then the job waits in the outbox for the relay. Results
    # are not what the app follows (jobs.lifecycle records runs from Celery's signals).
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.2,
        }
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 0.5
else:
    # Embedded broker: kombu's filesystem transport, so `make run` needs no server and jobs
    # still run in a real worker process.
    _broker_dir = VAR_DIR / "celery" / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "results").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery' / 'results'}"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Jobs asked for while the broker was down are handed over once it is back (jobs.models).
    "relay-jobs": {"task": "jobs.tasks.relay_all", "schedule": 60.0},
    "expire-invitations": {
        "task": "playbook.tasks.invitations_expire_all",
        "schedule": crontab(minute=15),
    },
    # One reminder task per record past its stage's SLA (pipeline.services.sla).
    "pipeline-sla-reminders": {
        "task": "pipeline.tasks.sla_reminders_all",
        "schedule": crontab(hour=6, minute=0),
    },
    # Engagement criteria ("3 activities in 90 days") age: rescore every workspace nightly;
    # an unchanged workspace writes nothing (records.services.icp).
    # Auto-renewals, churn after the grace period, renewal alerts (customers.services.renewals).
    "customers-renewal-alerts": {
        "task": "customers.tasks.renewal_alerts_all",
        "schedule": crontab(hour=5, minute=30),
    },
    # Customer health ages (days since the last engagement, renewals coming closer).
    "customers-health-recompute": {
        "task": "customers.tasks.health_recompute_all",
        "schedule": crontab(hour=3, minute=0),
    },
    "records-icp-recompute": {
        "task": "records.tasks.icp_recompute_all",
        "schedule": crontab(hour=2, minute=30),
    },
    # Monthly metric snapshots of the months that can have changed (targets.tasks).
    "targets-metrics-nightly": {
        "task": "targets.tasks.metrics_nightly_all",
        "schedule": crontab(hour=3, minute=0),
    },
}

# Bulk actions on records (bulk.services): up to this many run in the request, the list's largest
# page; more run as a job with a progress bar.
BULK_INLINE_LIMIT = env.int("BULK_INLINE_LIMIT", default=100)

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
