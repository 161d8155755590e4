"""Reads the pages repeat (a director's jobs and answers, the status choices, the published
policy) are kept until anything is committed to the store, by this process or another; never
one director's for another."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import event

from portal.store import connect, director_jobs, director_updates
from portal.store.director_jobs import DirectorJob
from tests.portal.portal_factories import job


def _job(email: str, number: str, balance: str = "100.00") -> DirectorJob:
    return job(f"NYC:{number}", email, balance=Decimal(balance))


def _publish(store, jobs, policy=None) -> None:
    director_jobs.publish(store, jobs, ["Will pay", "Disputed"], policy or {"timezone": "UTC"})


def _queries(store) -> list[str]:
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_repeated_read_does_not_query_until_someone_commits(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    pipeline, portal = connect(url), connect(url)  # two stores, as two processes would hold
    _publish(pipeline, [_job("ann@example.com", "1")])
    seen = _queries(portal)
    first = director_jobs.for_director(portal, "ann@example.com")
    assert [job.invoice_key for job in first] == ["NYC:1"]
    reads = len(seen)
    assert director_jobs.for_director(portal, "Ann@Example.com ") == first
    assert director_jobs.status_choices(portal) == director_jobs.status_choices(portal)
    assert len(seen) == reads + 1  # the choices once; the jobs again from what was kept

    _publish(pipeline, [_job("ann@example.com", "1", "40.00"), _job("ann@example.com", "2")])
    again = director_jobs.for_director(portal, "ann@example.com")
    assert [(job.invoice_key, job.balance) for job in again] == [("NYC:1", Decimal("40.00")),
                                                                 ("NYC:2", Decimal("100.00"))]
    pipeline.close()
    portal.close()


def test_each_director_reads_only_their_own(tmp_path):
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    _publish(store, [_job("ann@example.com", "1"), _job("bob@example.com", "2")])
    assert [j.invoice_key for j in director_jobs.for_director(store, "ann@example.com")] == ["NYC:1"]
    assert [j.invoice_key for j in director_jobs.for_director(store, "bob@example.com")] == ["NYC:2"]
    assert director_jobs.for_director(store, "eve@example.com") == []
    store.close()


def test_an_answer_shows_at_once_on_the_same_store(tmp_path):
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    _publish(store, [_job("ann@example.com", "1")])
    assert director_updates.answers(store, "ann@example.com") == {}
    director_updates.record(store, director_updates.NewUpdate(
        submission_id="s1", director_email="ann@example.com", invoice_key="NYC:1", status="Will pay",
        note="Paying Friday", expected_payment_date=None, promised_amount=None, dispute_reason=None,
        blocker=None, submitted_at=dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)))
    assert list(director_updates.answers(store, "ann@example.com")) == ["NYC:1"]
    store.close()


def test_the_caller_cannot_change_what_is_kept(tmp_path):
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    _publish(store, [_job("ann@example.com", "1")])
    director_jobs.for_director(store, "ann@example.com").clear()
    director_jobs.published_policy(store)["timezone"] = "changed"
    director_jobs.status_choices(store).clear()
    assert len(director_jobs.for_director(store, "ann@example.com")) == 1
    assert director_jobs.published_policy(store).get("timezone") != "changed"
    assert director_jobs.status_choices(store)
    store.close()


def test_a_commit_makes_every_kept_read_read_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    pipeline, portal = connect(url), connect(url)
    _publish(pipeline, [_job("ann@example.com", "1"), _job("bob@example.com", "2")])
    for director in ("ann@example.com", "bob@example.com"):
        director_jobs.for_director(portal, director)
    _publish(pipeline, [_job("ann@example.com", "1", "10.00"), _job("bob@example.com", "2", "20.00")])
    assert [j.balance for j in director_jobs.for_director(portal, "ann@example.com")] == [Decimal("10.00")]
    assert [j.balance for j in director_jobs.for_director(portal, "bob@example.com")] == [Decimal("20.00")]
    pipeline.close()
    portal.close()


def test_a_revoked_link_is_refused_on_the_next_request_in_another_process(tmp_path):
    from portal.store import link_versions

    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    command_line, portal = connect(url), connect(url)
    assert link_versions.current(portal, "ann@example.com") == 1
    assert link_versions.current(portal, "ann@example.com") == 1
    link_versions.revoke(command_line, "ann@example.com")  # `ledgerloop link --revoke`
    assert link_versions.current(portal, "ann@example.com") == 2
    command_line.close()
    portal.close()
