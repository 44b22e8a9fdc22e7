"""Loaded with `-p tests.testenv` before Django's settings are read (see pyproject.toml).

Tests run with development defaults (no HTTPS redirect, plain static storage); the production
settings are exercised by tests/playbook/test_deploy_check.py in a subprocess.
"""

import os

os.environ.setdefault("DEBUG", "true")
# Requests and tasks run under row-level security as this role on PostgreSQL (ADR 0006); the
# suite's own connection stays a superuser, so factories and assertions see every workspace.
os.environ.setdefault("DATABASE_APP_ROLE", "playbook_app")
