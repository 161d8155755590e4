"""dbt's events are built when read, and a debug event no log takes is dropped when fired: on the
pinned dbt-common, in this process (undone after each test) and through `ledgerloop-dbt`."""

from __future__ import annotations

import copy
import io
import json
import pickle
import subprocess
from pathlib import Path

import pytest
from dbt.adapters.events.types import SQLQuery
from dbt.events.types import MainReportVersion
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import LineFormat, LoggerConfig

from orchestration.defs import dbt_events
from tests.orchestration.defs.test_dbt_process import BIN, _tiny_project


@pytest.fixture
def installed(monkeypatch):
    for owner, name in [(BaseEvent, "__init__"), (BaseEvent, "__getattr__"), (BaseEvent, "__setattr__"),
                        (EventManager, "fire_event")]:
        monkeypatch.setattr(owner, name, getattr(owner, name))  # put back after the test
    dbt_events.install()


def _manager(level: EventLevel) -> tuple[EventManager, io.StringIO]:
    manager, lines = EventManager(), io.StringIO()
    manager.add_logger(LoggerConfig(name=f"test-{level}", level=level, line_format=LineFormat.Json,
                                    output_stream=lines))
    return manager, lines


def _names(lines: io.StringIO) -> list[str]:
    return [json.loads(line)["info"]["name"] for line in lines.getvalue().splitlines()]


def test_a_debug_event_no_log_takes_is_never_built(installed):
    manager, lines = _manager(EventLevel.INFO)
    query = SQLQuery(conn_name="master", sql="select 1", node_info={})
    manager.fire_event(query)
    assert "pb_msg" not in query.__dict__
    assert _names(lines) == []


def test_an_info_event_is_built_and_written(installed):
    manager, lines = _manager(EventLevel.INFO)
    manager.fire_event(MainReportVersion(version="=1.11", log_version=3))
    assert _names(lines) == ["MainReportVersion"]
    assert "Running with dbt=1.11" in lines.getvalue()


def test_a_log_at_debug_takes_every_debug_event(installed):
    manager, lines = _manager(EventLevel.DEBUG)
    manager.fire_event(SQLQuery(conn_name="master", sql="select 1", node_info={}))
    assert _names(lines) == ["SQLQuery"]
    assert json.loads(lines.getvalue())["data"]["sql"] == "select 1"


def test_an_event_built_late_reads_and_changes_as_before(installed):
    query = SQLQuery(conn_name="master", sql="select 1", node_info={})
    assert query.message() == "On master: select 1"
    query.sql = "select 2"
    assert query.pb_msg.sql == "select 2"
    assert query.to_dict()["sql"] == "select 2"


def _build(project: Path, *flags: str) -> list[dict]:
    done = subprocess.run(
        [BIN / "ledgerloop-dbt", "--log-format", "json", *flags, "build",
         "--project-dir", project, "--profiles-dir", project],
        capture_output=True, text=True, cwd=project,
        env={"PATH": str(BIN), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}, check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_ledgerloop_dbt_writes_debug_events_only_where_asked(tmp_path):
    project = _tiny_project(tmp_path / "tiny", "select 42 as answer")
    log_file = project / "logs" / "dbt.log"
    quiet = _build(project, "--log-level-file", "info")  # as the runs call it
    assert {e["info"]["level"] for e in quiet} == {"info"}
    assert "LogModelResult" in {e["info"]["name"] for e in quiet}  # what dagster-dbt reads
    assert "42 as answer" not in log_file.read_text()

    log_file.unlink()
    to_the_file = _build(project)  # dbt's default file level: debug
    assert {e["info"]["level"] for e in to_the_file} == {"info"}
    assert "42 as answer" in log_file.read_text()

    everything = _build(project, "--log-level", "debug")
    queries = [e["data"]["sql"] for e in everything if e["info"]["name"] == "SQLQuery"]
    assert any("42 as answer" in sql for sql in queries)



def test_an_event_copies_and_pickles_built_or_not(installed):
    for built in (False, True):
        query = SQLQuery(conn_name="master", sql="select 1", node_info={})
        if built:
            query.message()
        assert copy.copy(query).sql == pickle.loads(pickle.dumps(query)).sql == "select 1"
