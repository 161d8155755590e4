"""`ledgerloop link` and `ledgerloop portal`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner

from orchestration.cli.portal import link_command, store_label
from portal.links import LinkSigner
from portal.settings import PortalSettings
from portal.store import audit_log, connect, director_jobs
from tests.portal.portal_factories import DANA, STATUSES, job


def _env(tmp_path) -> dict[str, str]:
    return {
        "LEDGERLOOP_HOME": str(tmp_path),
        "LEDGERLOOP_SECRET_KEY": "",
        "LEDGERLOOP_PORTAL_DB_URL": "",
        "LEDGERLOOP_PORTAL_URL": "",
    }


def test_link_prints_a_link_that_verifies_and_audits_it(tmp_path):
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    director_jobs.publish(store, [job()], STATUSES)
    result = CliRunner().invoke(
        link_command, ["Dana@Example.com", "--base-url", "https://p.example"], env=_env(tmp_path)
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("https://p.example/d/")
    settings = PortalSettings.from_env(_env(tmp_path))
    claims = LinkSigner(settings.secret_key, settings.link_max_age_seconds).verify(url.rsplit("/", 1)[1])
    assert (claims.director_email, claims.version) == (DANA, 1)
    assert [e.action for e in audit_log.entries(store)] == ["link_minted"]


def test_link_revoke_bumps_the_version_and_new_links_carry_it(tmp_path):
    runner = CliRunner()
    revoked = runner.invoke(link_command, [DANA, "--revoke"], env=_env(tmp_path))
    assert revoked.exit_code == 0 and "version 2" in revoked.output
    minted = runner.invoke(link_command, [DANA], env=_env(tmp_path))
    assert "no jobs are published" in minted.output
    token = minted.output.strip().splitlines()[-1].rsplit("/", 1)[1]
    settings = PortalSettings.from_env(_env(tmp_path))
    assert LinkSigner(settings.secret_key, 3600).verify(token).version == 2


def test_link_refuses_a_name_that_fits_no_one_and_says_where_it_looked(tmp_path):
    result = CliRunner().invoke(link_command, ["zelda"], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "no one named 'zelda' on the team roster" in result.output
    assert "directors with published jobs" in result.output


def test_portal_banner_masks_the_database_password():
    label = store_label("postgresql+psycopg://portal:hunter2-db-pass@db.internal:5432/portal")
    assert "hunter2-db-pass" not in label
    assert label == "postgresql+psycopg://portal:***@db.internal:5432/portal"
    assert store_label("sqlite:////var/ll/portal.sqlite3") == "sqlite:////var/ll/portal.sqlite3"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_portal_command_serves_healthz_with_uvicorn(tmp_path):
    port = _free_port()
    code = "from orchestration.cli.portal import portal_command; portal_command()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--port", str(port), "--home", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "portal did not answer within 20 s"
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.headers["referrer-policy"] == "no-referrer"
    finally:
        process.terminate()
        process.wait(timeout=10)
