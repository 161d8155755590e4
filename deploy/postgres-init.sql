-- Runs once, when the PostgreSQL volume is first created: the portal store's own database beside
-- Dagster's (POSTGRES_DB). Both belong to POSTGRES_USER.
create database portal;
