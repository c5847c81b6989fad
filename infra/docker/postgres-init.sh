#!/bin/sh
# Runs once, when the postgres volume is new (the image runs /docker-entrypoint-initdb.d/*): the tailsweep owner
# role and database of infra/postgres/roles.sql, so the controller and the dashboard do not connect as a superuser.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$TAILSWEEP_DB_PASSWORD" -f /tailsweep/roles.sql
