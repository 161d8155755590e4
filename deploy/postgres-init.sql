-- Runs once, when the PostgreSQL volume is first created: the portal store's and the warehouse's
-- own databases beside Dagster's (POSTGRES_DB). All belong to POSTGRES_USER. The warehouse sorts
-- text bytewise (C collation), as DuckDB does: ranks' ties and lists' order follow it; its letters
-- are Unicode's (C.UTF-8), so names with accents upper-case and match as on DuckDB.
create database portal;
create database warehouse template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C.UTF-8';
