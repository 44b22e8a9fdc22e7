"""What every bench script does before it imports the app: production-like settings (no DEBUG,
so no query log) with plain http and file-system static files for the in-process client, then
Django's set-up. A script imports this right after putting the repository on sys.path."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playbook.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")

django.setup()
