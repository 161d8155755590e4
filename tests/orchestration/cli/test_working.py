"""Progress of the commands' long work: silent when quick, else said from the first second, with
counts, kept alive on a pipe, on stderr only (stdout keeps the command's output)."""

import io
import json
import time
from dataclasses import replace

import pytest
from click.testing import CliRunner

from notifications.draft_catalog import catalog
from notifications.outbox import Outbox, OutboxItem
from orchestration.cli import main, working
from orchestration.cli.working import Working
from tests.notifications.helpers import job, message

DAY = "2026-11-23"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "not said in time"
        time.sleep(0.02)


def test_quick_work_says_nothing():
    stream = io.StringIO()
    with Working("Reading the outbox", stream=stream, first_line_after=0.5):
        pass
    assert stream.getvalue() == ""


def test_long_work_says_what_it_does_then_keeps_a_pipe_told_with_the_count():
    stream = io.StringIO()
    with Working("Finding the drafts", stream=stream, first_line_after=0, heartbeat=0.2) as work:
        wait_for(lambda: "Finding the drafts ..." in stream.getvalue())
        work.doing("Approving drafts", 3)
        assert "Approving drafts ...\n" in stream.getvalue()  # a new phase is said at once
        work.advance(2)
        wait_for(lambda: "still working: Approving drafts: 2 of 3 done" in stream.getvalue())
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[0:00] Finding the drafts ..."
    assert lines[1] == "[0:00] Approving drafts ..."
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()  # a log file stays plain


def test_on_a_terminal_the_status_line_is_kept_current_and_cleared_at_the_end():
    stream = Terminal()
    still = lambda: 0.0  # noqa: E731 - time stands still: the line changes only with the count
    with Working("Sending approved messages", 4, stream=stream, first_line_after=0, clock=still) as work:
        work.advance()
        wait_for(lambda: "Sending approved messages: 1 of 4 done" in stream.getvalue())
        time.sleep(0.3)  # three ticks: the line is redrawn only when it reads differently
    assert stream.getvalue().count("Sending approved messages: 1 of 4 done (0 s)") == 1
    assert stream.getvalue().endswith("\r\x1b[K")


def test_quiet_and_a_closed_stream_never_stop_the_work():
    class Gone(io.StringIO):
        def write(self, text):
            raise OSError("terminal gone")

    with Working("Quiet", quiet=True, first_line_after=0) as work:
        work.advance()
    with Working("Gone", stream=Gone(), first_line_after=0) as work:
        time.sleep(0.2)
        work.doing("still going")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    outbox = Outbox(tmp_path / "outbox")
    for name in ("dana", "lee", "kim"):
        outbox.write_draft(DAY, name, message([job(director_email=f"{name}@example.com")],
                                              name=name.title(), email=f"{name}@example.com"))
    return tmp_path


def test_commands_say_their_work_on_stderr_and_keep_stdout_for_their_output(home, monkeypatch):
    monkeypatch.setattr(working, "FIRST_LINE_AFTER", 0)
    listed = CliRunner().invoke(main, ["drafts", "list", "--json"], catch_exceptions=False)
    assert f"Reading the messages in {home / 'outbox'} ..." in listed.stderr
    assert [json.loads(line)["name"] for line in listed.stdout.splitlines()] == [
        f"{DAY}/dana", f"{DAY}/kim", f"{DAY}/lee"]
    approved = CliRunner().invoke(main, ["drafts", "approve", "--all", "--as", "kim"], catch_exceptions=False)
    assert "Approving drafts ..." in approved.stderr
    assert approved.stdout == "".join(f"approved  {DAY}/{name}\n" for name in ("dana", "kim", "lee"))


def test_listing_approving_and_withdrawing_read_headers_not_bodies(home, monkeypatch):
    """A director's email is ~40 KB of HTML: parsing it whole for a listing or an approval made
    `drafts list` take 13 s and `drafts approve --all` 30 s on a 2,788-message outbox."""
    read_whole = catalog(home, ["drafts"])
    text = CliRunner().invoke(main, ["drafts", "list"], catch_exceptions=False).stdout

    def whole(item):
        raise AssertionError(f"{item.path} parsed whole")

    monkeypatch.setattr(OutboxItem, "message", whole)
    headers_only = catalog(home, ["drafts"], with_links=False)
    assert [replace(e, link_urls=()) for e in read_whole] == headers_only
    assert all(e.link_urls for e in read_whole)  # each director email carries its signed link
    assert CliRunner().invoke(main, ["drafts", "list"], catch_exceptions=False).stdout == text
    approved = CliRunner().invoke(main, ["drafts", "approve", f"{DAY}/dana", "--as", "kim"],
                                  catch_exceptions=False)
    assert approved.stdout == f"approved  {DAY}/dana\n"
    assert [i.name for i in Outbox(home / "outbox").withdraw_drafts(DAY, "director", {"lee"})] == ["kim"]
