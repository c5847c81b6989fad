-- The tailsweep database and the one role that uses it: the owner, for the controller and the dashboard
-- (`tailsweep ui`). Workers get no role at all: they never connect to the database (their events reach it through
-- NATS and the controller). Run once, as a superuser:
--
--   psql -h db.internal -U postgres -v owner_password='…' -f infra/postgres/roles.sql
--
-- The controller and the dashboard bring the schema up to date when they start (prisma/migrations, one at a time
-- under an advisory lock), which is why the role owns the database; it needs no SUPERUSER, CREATEDB or CREATEROLE.
-- The connection limit leaves room for both processes' pools (10 connections each), CLI commands run against the
-- database, and a pg_dump.

CREATE ROLE tailsweep LOGIN PASSWORD :'owner_password' NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT 40;
CREATE DATABASE tailsweep OWNER tailsweep;
-- PUBLIC may connect to a new database (and make temporary tables) unless told otherwise.
REVOKE ALL ON DATABASE tailsweep FROM PUBLIC;
