#!/bin/sh
# Serves Playbook CRM with a real Celery worker and beat scheduler beside the web server.
# Called by `make run`; the broker is Redis when REDIS_URL is set, else kombu's filesystem
# transport under var/celery (settings.py).
set -eu
: "${BIN:=.venv/bin}" "${HOST:=127.0.0.1}" "${PORT:=8000}"
export DEBUG="${DEBUG:-true}"

"$BIN/celery" -A playbook worker --loglevel=INFO --concurrency=2 &
WORKER=$!
"$BIN/celery" -A playbook beat --loglevel=INFO &
BEAT=$!
trap 'kill $WORKER $BEAT 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

sleep 3  # let the worker and beat print their banners first
echo
"$BIN/python" manage.py seed_demo --if-empty | tail -n +2
echo "Playbook CRM on http://$HOST:$PORT/  (log in at http://$HOST:$PORT/login/)"
echo
"$BIN/python" manage.py runserver "$HOST:$PORT"
