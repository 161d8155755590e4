"""Steps on a PostgreSQL warehouse: tables pulled into DuckDB come back as they were, committed
rows are on the server when the commit returns, a failing step pushes nothing more, two writers
never interleave, and a reader never waits for a writer."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from orchestration.dunning.events import events_for, save_events
from orchestration.storage.engine import PostgresServer
from orchestration.storage.postgres import copy_relation, pull_table
from orchestration.storage.sessions import open_session, writing_alone
from tests.portal.postgres_server import postgres_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server():
    for running in postgres_server():
        url = running.new_database().replace("postgresql+psycopg://", "postgresql://")
        yield PostgresServer.from_url(url)


def test_a_table_pulled_from_the_server_equals_the_one_copied_in(server, tmp_path):
    source = duckdb.connect()
    source.execute("""
        create table marts_sample as select * from (values
          (1, 'plain', ['a', 'b'], '{"z": 1, "a": [1, 2]}'::json, 12.34::decimal(18, 2), 0.1 + 0.2,
           timestamptz '2026-12-06 09:30:00+00', true, date '2026-02-28', 'NYC|1'),
          (2, '', [], '[]'::json, -0.01::decimal(18, 2), -1e-300, null, false, null, null),
          (3, 'quote " comma, new
        line', ['x, "y"', null], null, null, null, null, null, date '2026-12-31', '\\N')
        ) t(n, text_value, tags, payload, amount, ratio, seen_at, flag, due, code)""")
    with psycopg.connect(**server.conninfo, autocommit=True) as pg:
        pg.execute("create schema if not exists marts")
        copy_relation(source.table("marts_sample"), pg, "marts", "sample", replace=True)
        pulled = duckdb.connect()
        assert pull_table(pg, pulled, "marts.sample", tmp_path) == 3
    expected = source.sql("select * from marts_sample order by n").fetchall()
    assert pulled.sql("select * from marts.sample order by n").fetchall() == expected
    kinds = dict(pulled.execute("select column_name, data_type from information_schema.columns "
                                "where table_name = 'sample'").fetchall())
    assert kinds["tags"] == "VARCHAR[]" and kinds["amount"] == "DECIMAL(18,2)" and kinds["payload"] == "JSON"


def test_a_table_without_lists_goes_over_as_csv_and_comes_back_as_it_went(server, tmp_path):
    source = duckdb.connect()
    source.execute("""
        create table plain as select * from (values
          (1, 'quote " comma, new
        line', '{"z": 1, "a": [1, 2]}'::json, 12.34::decimal(18, 2), 0.1::double + 0.2::double,
           timestamptz '2026-12-06 09:30:00.123456+00', true, date '2026-02-28'),
          (2, '', '[]'::json, -0.01::decimal(18, 2), -1e-300, null, false, null),
          (3, null, null, null, 'nan'::double, null, null, null),
          (4, '\\.', null, null, null, null, null, null)
        ) t(n, text_value, payload, amount, ratio, seen_at, flag, due)""")  # 4: COPY's end marker, as data
    with psycopg.connect(**server.conninfo, autocommit=True) as pg:
        pg.execute("create schema if not exists marts")
        assert copy_relation(source.table("plain"), pg, "marts", "plain", replace=True) == 4
        assert copy_relation(source.table("plain"), pg, "marts", "plain", replace=True) == 4  # replaced
        pulled = duckdb.connect()
        assert pull_table(pg, pulled, "marts.plain", tmp_path) == 4
    expected = source.sql("select * from plain order by n").fetchall()
    back = pulled.sql("select * from marts.plain order by n").fetchall()
    assert [row[:4] + row[5:] for row in back] == [row[:4] + row[5:] for row in expected]
    ratios = [row[4] for row in back]
    assert ratios[:2] == [0.1 + 0.2, -1e-300] and ratios[2] != ratios[2] and ratios[3] is None  # nan


def _file_row(sha: str) -> list:
    now = dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)
    return [sha, "salesforce", f"{sha}.csv", f"archive/{sha}", "loaded", 1, 1, 0, 0, "utf-8", None, None, now]


def _record(con: duckdb.DuckDBPyConnection, sha: str) -> None:
    one_per_column = ", ".join("?" * 13)
    con.execute(f"insert into raw.ingested_files values ({one_per_column})", _file_row(sha))


def _server_files(server: PostgresServer) -> list[str]:
    with psycopg.connect(**server.conninfo) as pg:
        return [r[0] for r in pg.execute("select file_sha256 from raw.ingested_files order by 1")]


def test_kept_rows_reach_the_server_once_and_a_failing_step_pushes_nothing_after_its_last_keep(server):
    with open_session(server, reads=["raw.ingested_files"], appends=["raw.ingested_files"]) as con:
        con.begin()
        _record(con, "a1")
        con.commit()
        assert _server_files(server) == ["a1"], "a commit returns once the server holds it"
        con.begin()
        con.commit()  # nothing new: nothing twice
        _record(con, "a2")  # outside a transaction: pushed when the step ends
        con.execute("select file_sha256 from raw.ingested_files").fetchone()  # a result left pending
    assert _server_files(server) == ["a1", "a2"]
    with pytest.raises(RuntimeError), open_session(
            server, reads=["raw.ingested_files"], appends=["raw.ingested_files"]) as con:
        held = con.sql("select file_sha256 from raw.ingested_files").fetchall()
        assert {r[0] for r in held} == {"a1", "a2"}
        con.begin()
        _record(con, "b1")
        con.commit()
        _record(con, "b2")  # committed by itself, as on the DuckDB file
        con.begin()
        _record(con, "b3")
        raise RuntimeError("the step fails inside its third file")
    assert _server_files(server) == ["a1", "a2", "b1", "b2"]


def test_a_second_writer_waits_for_the_first_and_a_reader_waits_for_neither(server):
    order: list[str] = []
    inside = threading.Event()

    def second_writer() -> None:
        with open_session(server, appends=["raw.ingested_files"]) as con:
            order.append("second writer in")
            _record(con, "w2")

    with open_session(server, appends=["raw.ingested_files"]) as first:
        inside.set()
        waiting = threading.Thread(target=second_writer)
        waiting.start()
        started = time.monotonic()
        with open_session(server, reads=["raw.ingested_files"], read_only=True) as reader:
            reader.execute("select count(*) from raw.ingested_files").fetchall()
        assert time.monotonic() - started < 5, "a reader waited for a writer"
        time.sleep(0.5)
        order.append("first writer out")
        _record(first, "w1")
    waiting.join(timeout=30)
    assert order == ["first writer out", "second writer in"]
    assert {"w1", "w2"} <= set(_server_files(server))


def test_amounts_keep_their_scale_and_a_numeric_of_no_scale_is_refused(server, tmp_path):
    with psycopg.connect(**server.conninfo, autocommit=True) as pg:
        pg.execute("create schema if not exists marts")
        pg.execute("create table marts.amounts (amount numeric(18, 2), items bigint)")
        pg.execute("insert into marts.amounts values (10.50, 5)")
        pg.execute("create table marts.sums as select sum(items) as items from marts.amounts")
        con = duckdb.connect()
        pull_table(pg, con, "marts.amounts", tmp_path)
        with pytest.raises(ValueError, match="cast it in the model"):
            pull_table(pg, con, "marts.sums", tmp_path)
    assert con.sql("select * from marts.amounts").fetchall() == [(Decimal("10.50"), 5)]


def test_a_step_writing_alone_waits_for_another_and_says_for_whom(server):
    said: list[str] = []
    order: list[str] = []

    def second_step() -> None:
        with writing_alone(server, said.append, "ledgerloop dbt, run second"):
            order.append("second step in")

    def writing_session() -> None:
        with open_session(server, appends=["raw.ingested_files"]):
            order.append("session in")

    with writing_alone(server, said.append, "ledgerloop dbt, run first"):
        waiting = [threading.Thread(target=second_step), threading.Thread(target=writing_session)]
        for thread in waiting:
            thread.start()
        deadline = time.monotonic() + 10
        while not said and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        order.append("first out")
    for thread in waiting:
        thread.join(timeout=30)
    assert order[0] == "first out" and sorted(order[1:]) == ["second step in", "session in"]
    assert said and "ledgerloop dbt, run first" in said[0] and "server pid" in said[0]


def test_approvals_recorded_from_the_command_line_reach_the_server_once(server, tmp_path):
    events = events_for("notice-9", "001A", ["NYC:1", "NYC:2"], "email", "approved", "Reminder",
                        dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC), "avery@example.com")
    assert save_events(tmp_path, events, server) == "warehouse"
    assert save_events(tmp_path, events, server) == "warehouse"  # approved twice: recorded once
    with psycopg.connect(**server.conninfo) as pg:
        held = pg.execute("select event_id from raw.outreach_events order by 1").fetchall()
    assert held == [("notice-9:approved:NYC:1",), ("notice-9:approved:NYC:2",)]


def test_a_table_replaced_whole_keeps_its_rows_when_the_step_fails_or_does_not_touch_it(server):
    def decisions() -> int:
        with psycopg.connect(**server.conninfo) as pg:
            return pg.execute("select count(*) from raw.payment_decisions").fetchone()[0]

    with open_session(server, replaces=["raw.payment_decisions"]) as con:
        con.execute("insert into raw.payment_decisions values "
                    "('D-1', 'P-1', 'resolve', 1, 'INV-1', null, 'ann', '2026-12-06T09:00:00'), "
                    "('D-2', 'P-2', 'unapply', 1, null, null, 'ann', '2026-12-06T09:00:00')")
    assert decisions() == 2
    with pytest.raises(ValueError), open_session(server, replaces=["raw.payment_decisions"]) as con:
        con.execute("delete from raw.payment_decisions")  # half-way through a new load
        raise ValueError("decisions.jsonl line 3: not a decision")
    assert decisions() == 2, "a failed load emptied the table"
    with open_session(server, replaces=["raw.payment_decisions"]):
        pass
    assert decisions() == 2, "a step that did not touch the table emptied it"


def test_ledgerloop_run_refuses_a_server_it_cannot_reach_in_one_line(server, tmp_path):
    assert server.problem() is None  # the test server sorts bytewise (C.UTF-8)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    url = f"postgresql://ledgerloop:s3cret-pw@127.0.0.1:{port}/warehouse"
    env = {**os.environ, "LEDGERLOOP_WAREHOUSE_URL": url, "LEDGERLOOP_HOME": str(tmp_path)}
    done = subprocess.run([str(Path(sys.executable).parent / "ledgerloop"), "run"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"cannot reach the warehouse, PostgreSQL ledgerloop@127.0.0.1:{port}/warehouse" in done.stderr
    assert "Traceback" not in done.stderr and "s3cret-pw" not in done.stderr + done.stdout


def test_a_database_that_sorts_by_a_locale_is_refused_naming_the_fix(server):
    with psycopg.connect(**{**server.conninfo, "dbname": "postgres"}, autocommit=True) as pg:
        pg.execute("create database by_locale template template0 locale_provider icu icu_locale 'en-US'")
    problem = PostgresServer(**{**server.__dict__, "database": "by_locale"}).problem()
    assert problem and "sorts text by an ICU locale" in problem and "LC_COLLATE 'C'" in problem


def test_a_database_whose_letters_are_ascii_only_is_refused_naming_the_fix(server):
    with psycopg.connect(**{**server.conninfo, "dbname": "postgres"}, autocommit=True) as pg:
        pg.execute("create database ascii_letters template template0 lc_collate 'C' lc_ctype 'C'")
        pg.execute("create database unicode_letters template template0 lc_collate 'C' lc_ctype 'C.UTF-8'")
    problem = PostgresServer(**{**server.__dict__, "database": "ascii_letters"}).problem()
    assert problem and "knows only ASCII letters" in problem and "LC_CTYPE 'C.UTF-8'" in problem
    assert PostgresServer(**{**server.__dict__, "database": "unicode_letters"}).problem() is None
    with psycopg.connect(**{**server.conninfo, "dbname": "unicode_letters"}) as pg:  # why it matters
        assert pg.execute("select upper('Schäfer Müller')").fetchone() == ("SCHÄFER MÜLLER",)


def test_a_step_that_commits_often_sends_only_what_changed_in_the_tables_it_replaces(server):
    def seen_on_server() -> dict[str, tuple]:
        with psycopg.connect(**server.conninfo) as pg:  # xmin: the transaction that wrote the row
            return {key: (day, xmin) for key, day, xmin in pg.execute(
                "select invoice_key, first_seen_on, xmin::text from outreach.dunning_invoices_seen")}

    day = dt.date(2026, 12, 1)
    with open_session(server, replaces=["outreach.dunning_invoices_seen"]) as con:
        con.execute("insert into outreach.dunning_invoices_seen "
                    "select 'INV-' || i, $day from range(2000) r(i)", {"day": day})
    before = seen_on_server()
    assert len(before) == 2000
    with open_session(server, reads=["raw.ingested_files"],
                      replaces=["outreach.dunning_invoices_seen", "raw.payment_decisions"]) as con:
        for n in range(5):  # a withdrawn draft at a time, each committed
            con.begin()
            con.execute("delete from outreach.dunning_invoices_seen where invoice_key = ?", [f"INV-{n}"])
            con.commit()
        con.begin()
        con.execute("insert or replace into outreach.dunning_invoices_seen values ('INV-7', $late), "
                    "('INV-NEW', $late)", {"late": day + dt.timedelta(days=3)})
        con.execute("insert into raw.payment_decisions values "  # a table whose key is not declared
                    "('D-9', 'P-9', 'resolve', 1, 'INV-9', null, 'ann', '2026-12-06T09:00:00')")
        con.commit()
    after = seen_on_server()
    expected = {f"INV-{i}" for i in range(5, 2000)} | {"INV-NEW"}
    assert set(after) == expected
    assert after["INV-7"][0] == after["INV-NEW"][0] == day + dt.timedelta(days=3)
    untouched = [key for key in expected - {"INV-7", "INV-NEW"} if after[key] != before[key]]
    assert not untouched, f"{len(untouched)} unchanged rows were sent again"
    with psycopg.connect(**server.conninfo) as pg:
        assert pg.execute("select count(*) from raw.payment_decisions where decision_id = 'D-9'"
                          ).fetchone() == (1,)
