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


def _contacts(tmp_path, text: str) -> None:
    (tmp_path / "contacts").mkdir(exist_ok=True)
    (tmp_path / "contacts" / "account_contacts.csv").write_text(text, encoding="utf-8")


def test_link_role_customer_mints_for_a_contact_in_the_contacts_file(tmp_path):
    from portal.customer_links import CustomerLinkSigner

    _contacts(
        tmp_path, "Account ID,Contact Name,Email\n001A,Isla,AP@Acme.example\n001B,Bea,pay@bolt.example\n"
    )
    arguments = ["ap@acme.example", "--role", "customer", "--base-url", "https://p.example"]
    result = CliRunner().invoke(link_command, arguments, env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith("https://p.example/a/")
    assert "not published" in result.output  # no run has published 001A yet
    settings = PortalSettings.from_env(_env(tmp_path))
    claims = CustomerLinkSigner(settings.secret_key, 3600).verify(url.rsplit("/", 1)[1])
    assert (claims.account_id, claims.email, claims.version) == ("001A", "ap@acme.example", 1)
    store = connect(settings.db_url)
    [minted] = audit_log.entries(store, "link_minted")
    assert minted.account_id == "001A"


def test_link_role_customer_refuses_an_email_the_contacts_file_does_not_list(tmp_path):
    _contacts(tmp_path, "Account ID,Email\n001A,ap@acme.example\n")
    result = CliRunner().invoke(link_command, ["eve@evil.example", "--role", "customer"], env=_env(tmp_path))
    assert result.exit_code == 1 and "is not a contact in" in result.output


def test_link_role_customer_asks_which_account_when_the_contact_has_several(tmp_path):
    _contacts(tmp_path, "Account ID,Email\n001A,ap@group.example\n001B,ap@group.example\n")
    runner = CliRunner()
    result = runner.invoke(link_command, ["ap@group.example", "--role", "customer"], env=_env(tmp_path))
    assert result.exit_code == 1 and "--account" in result.output and "001A, 001B" in result.output
    chosen = runner.invoke(link_command, ["ap@group.example", "--role", "customer", "--account", "001B"],
                           env=_env(tmp_path))
    assert chosen.exit_code == 0, chosen.output


def test_link_role_customer_revoke_bumps_that_contacts_version_only(tmp_path):
    from portal.customer_links import version_key
    from portal.store import link_versions

    # the contacts file holds one contact per account (a later row for an account replaces it)
    _contacts(tmp_path, "Account ID,Email\n001A,ap@acme.example\n001B,ap@acme.example\n")
    result = CliRunner().invoke(
        link_command, ["ap@acme.example", "--role", "customer", "--revoke", "--account", "001A"],
        env=_env(tmp_path),
    )
    assert result.exit_code == 0 and "version 2" in result.output
    store = connect(PortalSettings.from_env(_env(tmp_path)).db_url)
    assert link_versions.current(store, version_key("001A", "ap@acme.example")) == 2
    assert link_versions.current(store, version_key("001B", "ap@acme.example")) == 1
