#!/bin/sh
# docker-compose: PostgreSQL's entrypoint runs this once, when the data volume is first created.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  -v owner_password="$PLAYBOOK_OWNER_PASSWORD" -v app_password="$PLAYBOOK_APP_PASSWORD" \
  -f /playbook/db-roles.sql
