-- Run once by the postgres image on an empty data volume (docker-compose.yml mounts it into
-- /docker-entrypoint-initdb.d), and by the integration tests in their PostgreSQL container
-- (tests/Inbox.Tests.Integration/Infrastructure/TestDatabase.cs, which then sets passwords of its own).
-- Creates the same roles as bootstrap_roles in ./inbox:
--   inbox_owner   runs the migrations and owns the tables
--   inbox_app     what the services connect as; bound by row-level security
--   inbox_system  owns the SECURITY DEFINER lookup functions; bypasses RLS, cannot log in
-- DEV-ONLY passwords: they must match ConnectionStrings__* in docker-compose.yml. Change both for anything real.
do $$
begin
  if not exists (select from pg_roles where rolname = 'inbox_owner') then create role inbox_owner login; end if;
  if not exists (select from pg_roles where rolname = 'inbox_app') then create role inbox_app login; end if;
  if not exists (select from pg_roles where rolname = 'inbox_system') then create role inbox_system nologin bypassrls; end if;
end $$;
alter role inbox_owner password 'inbox_owner_dev';
alter role inbox_app password 'inbox_app_dev';
grant inbox_system to inbox_owner;

select 'create database inbox owner inbox_owner'
where not exists (select from pg_database where datname = 'inbox') \gexec
