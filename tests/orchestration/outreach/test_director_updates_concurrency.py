"""200 director updates posted from threads while the warehouse is held by a writer: after the
next run every one is in raw.director_updates and in the ledger, none twice."""

import datetime as dt
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from orchestration.cli.runner import run_pipeline
from orchestration.demo import generate_demo
from orchestration.outreach.portal_store import open_store
from orchestration.settings import REPO_ROOT, Settings
from portal.store import director_updates
from portal.store.director_updates import NewUpdate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
AS_OF = dt.date(2026, 11, 23)
UPDATES = 200


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    home = tmp_path_factory.mktemp("portal-e2e")
    with pytest.MonkeyPatch.context() as env:
        env.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
        env.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
        settings = Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml")
        generate_demo(home, settings.policy(), 600, 5, AS_OF, progress=False)
        first = run_pipeline(settings, AS_OF)
        assert first.success, first.report()
        yield settings


def ledger(settings: Settings, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def posted(pipeline):
    """Post the updates from 8 threads while another process holds the warehouse for writing."""
    settings = pipeline
    policy = settings.policy()
    keys = [k for (k,) in ledger(settings, "select invoice_key from marts.ar_ledger order by invoice_key "
                                           "limit ?", [UPDATES])]
    assert len(keys) == UPDATES
    statuses = policy.portal.statuses
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute('begin'); "
         "print('ready', flush=True); sys.stdin.read()", str(settings.warehouse_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException):
            duckdb.connect(str(settings.warehouse_path), read_only=True)

        def post(i: int) -> tuple[str, str, str]:
            status = statuses[i % len(statuses)]
            note = f"update {i} <script>alert({i})</script>"
            with open_store(settings.home) as store:
                director_updates.record(store, NewUpdate(
                    submission_id=uuid.uuid4().hex, director_email="dana@example.com",
                    invoice_key=keys[i], status=status.label, note=note, expected_payment_date=None,
                    promised_amount=None, dispute_reason=None, blocker=None,
                    submitted_at=dt.datetime.now(dt.UTC),
                ))
            return keys[i], status.stage, note

        with ThreadPoolExecutor(max_workers=8) as pool:
            expected = list(pool.map(post, range(UPDATES)))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    return expected


def test_all_200_updates_reach_raw_and_the_ledger_after_the_next_run(pipeline, posted):
    settings = pipeline
    outcome = run_pipeline(settings, AS_OF)
    assert outcome.success, outcome.report()
    assert ledger(settings, "select count(*), count(distinct update_id), count(distinct submission_id) "
                            "from raw.director_updates") == [(UPDATES, UPDATES, UPDATES)]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        con.execute("create temp table expected (invoice_key varchar, stage varchar, notes varchar)")
        con.executemany("insert into expected values (?, ?, ?)", posted)
        mismatches = con.execute(
            "select e.invoice_key, e.stage, l.stage, l.last_update_source, l.notes "
            "from expected as e left join marts.ar_ledger as l using (invoice_key) "
            "where l.stage is distinct from e.stage or l.last_update_source is distinct from 'portal' "
            "or l.notes is distinct from e.notes"
        ).fetchall()
    assert mismatches == []


def test_another_run_loads_no_update_twice(pipeline, posted):
    settings = pipeline
    assert run_pipeline(settings, AS_OF).success
    assert ledger(settings, "select count(*) from raw.director_updates") == [(UPDATES,)]
    assert ledger(settings, "select count(*) from marts.ar_ledger where last_update_source = 'portal'") == [
        (UPDATES,)]


def test_run_publishes_director_jobs_and_writes_one_draft_per_director(pipeline):
    from sqlalchemy import func, select

    from notifications.draft_kinds import ALERT_PREFIX
    from orchestration.outreach.drafts import draft_name
    from portal.store.tables import director_jobs

    settings = pipeline
    with open_store(settings.home) as store, store.engine.connect() as conn:
        directors = set(conn.execute(select(director_jobs.c.director_email).distinct()).scalars())
        jobs = conn.execute(select(func.count()).select_from(director_jobs)).scalar()
    folder = settings.home / "outbox" / "drafts" / AS_OF.isoformat()
    drafts = {p.stem for p in folder.glob("*.eml") if not p.stem.startswith(ALERT_PREFIX)}
    assert jobs > 0 and directors
    assert drafts == {draft_name(email) for email in directors}  # beside the day's alert emails
