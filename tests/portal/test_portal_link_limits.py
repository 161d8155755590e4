"""Link-failure limits under real networks: an office behind one NAT address, a reverse proxy, and
an attacker guessing. Failures are counted by what an attacker must guess (the signature of one
person's link) and by the real client address; a valid, unexpired, unrevoked link always opens,
whatever others did from the same address."""

from __future__ import annotations

import dataclasses
import time

import pytest
from litestar.testing import TestClient

from portal.app import create_app
from portal.ratelimit import MAX_FAILURES
from portal.settings import PortalSettings
from portal.store import audit_log, link_versions
from tests.portal.portal_factories import DANA, ERIN, mint
from tests.portal.workbench_factories import AVERY, HARRIET, MORGAN, mint_staff, workbench_store

__all__ = ["workbench_store"]

OFFICE_NAT = "198.51.100.10"
ELSEWHERE = "203.0.113.99"
PROXY = "10.0.0.5"


class FromPeer:
    """Test-only ASGI wrapper: requests arrive from `address` (an office NAT, a proxy, ...), as a
    server sees the TCP peer."""

    def __init__(self, app) -> None:
        self.app = app
        self.address = OFFICE_NAT

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.address, 50123)}
        await self.app(scope, receive, send)


def _client(settings: PortalSettings) -> tuple[TestClient, FromPeer]:
    peer = FromPeer(create_app(settings))
    return TestClient(peer, base_url="http://testserver.local"), peer


@pytest.fixture
def office(portal_settings, workbench_store):
    client, peer = _client(portal_settings)
    with client:
        yield client, peer


DOORS = {
    "director": ("d", lambda s, email=DANA: mint(s, email), DANA, "/jobs"),
    "collector": ("c", lambda s, email=AVERY: mint_staff(s, "collector", email), AVERY, "/workbench"),
    "manager": ("m", lambda s, email=MORGAN: mint_staff(s, "manager", email), MORGAN, "/team"),
}


def _forged(token: str, n: int) -> str:
    """The same person's payload with a guessed signature: what a brute-force attacker sends."""
    return f"{token.rsplit('.', 1)[0]}.guess{n:04d}"


@pytest.mark.parametrize("role", DOORS)
def test_bad_clicks_behind_an_office_nat_never_lock_out_a_valid_link(office, portal_settings, role):
    client, peer = office
    door, minted, _, home_page = DOORS[role]
    other = {"director": ERIN, "collector": HARRIET, "manager": AVERY}[role]
    bad = [f"/{door}/garbage-{n}" for n in range(MAX_FAILURES)]
    bad += [f"/{door}/{_forged(minted(portal_settings, other), n)}" for n in range(MAX_FAILURES)]
    statuses = {client.get(path).status_code for path in bad}
    assert 429 in statuses  # the office address is over the limit for bad links ...
    response = client.get(f"/{door}/{minted(portal_settings)}")
    assert response.status_code == 200, response.text  # ... and a colleague's valid link still opens
    assert client.get(home_page).status_code == 200


@pytest.mark.parametrize("role", DOORS)
def test_brute_force_from_one_address_is_still_throttled(office, portal_settings, workbench_store, role):
    client, peer = office
    door, minted, person, _ = DOORS[role]
    token = minted(portal_settings)
    statuses = [client.get(f"/{door}/{_forged(token, n)}").status_code for n in range(MAX_FAILURES + 5)]
    assert statuses == [403] * MAX_FAILURES + [429] * 5
    assert "too many attempts" in client.get(f"/{door}/another-guess").text
    # the audit log records the attack without growing by one line per guess once over the limit
    assert len(audit_log.entries(workbench_store, "link_rejected")) == MAX_FAILURES
    [limited] = audit_log.entries(workbench_store, "link_rate_limited")
    assert limited.actor == f"client:{OFFICE_NAT}"
    peer.address = ELSEWHERE
    assert client.get(f"/{door}/garbage").status_code == 403  # other addresses are not affected


@pytest.mark.parametrize("role", DOORS)
def test_guesses_at_one_persons_link_are_throttled_across_addresses(office, portal_settings, role):
    client, peer = office
    door, minted, _, home_page = DOORS[role]
    token = minted(portal_settings)
    for n in range(MAX_FAILURES):  # a botnet: one guess per address
        peer.address = f"192.0.2.{n + 1}"
        assert client.get(f"/{door}/{_forged(token, n)}").status_code == 403
    peer.address = ELSEWHERE
    assert client.get(f"/{door}/{_forged(token, 99)}").status_code == 429
    other = {"director": ERIN, "collector": HARRIET, "manager": AVERY}[role]
    assert client.get(f"/{door}/{_forged(minted(portal_settings, other), 1)}").status_code == 403
    assert client.get(f"/{door}/{token}").status_code == 200  # the person's own link still opens
    assert client.get(home_page).status_code == 200


def test_clicking_the_same_broken_link_again_counts_once(office):
    client, _ = office
    statuses = [client.get("/d/truncated-in-a-mail-client").status_code for _ in range(MAX_FAILURES * 2)]
    assert statuses == [403] * (MAX_FAILURES * 2)


def test_expired_and_revoked_links_are_refused_but_are_not_guesses(
    office, portal_settings, workbench_store, monkeypatch
):
    client, _ = office
    monkeypatch.setattr(time, "time", lambda: 1_000_000_000.0)
    expired = [mint(portal_settings, DANA, version=n) for n in range(1, MAX_FAILURES + 2)]
    monkeypatch.undo()
    revoked = mint(portal_settings, ERIN)
    link_versions.revoke(workbench_store, ERIN)
    for token in [*expired, revoked, revoked]:
        assert client.get(f"/d/{token}").status_code == 403
    assert client.get("/d/garbage").status_code == 403  # no guessing budget was used up


# X-Forwarded-For -------------------------------------------------------------------------------------
def test_forwarded_for_is_ignored_without_a_trusted_proxy(office):
    client, peer = office
    peer.address = ELSEWHERE
    statuses = [
        client.get(f"/d/guess-{n}", headers={"x-forwarded-for": f"192.0.2.{n}"}).status_code
        for n in range(MAX_FAILURES + 1)
    ]
    assert statuses[-1] == 429  # rotating the header does not make a new client


def test_forwarded_for_names_the_client_only_behind_a_configured_proxy(portal_settings, workbench_store):
    settings = dataclasses.replace(portal_settings, trusted_proxies=(PROXY,))
    client, peer = _client(settings)
    with client:
        peer.address = PROXY
        attacker = {"x-forwarded-for": "192.0.2.66"}
        statuses = [
            client.get(f"/d/guess-{n}", headers=attacker).status_code for n in range(MAX_FAILURES + 1)
        ]
        assert statuses[-1] == 429
        colleague = {"x-forwarded-for": "192.0.2.7"}
        assert client.get("/d/typo", headers=colleague).status_code == 403  # behind the same proxy
        # a client cannot choose its address by prepending to the header: the proxy appends the peer
        spoofed = {"x-forwarded-for": "192.0.2.7, 192.0.2.66"}
        assert client.get("/d/guess-x", headers=spoofed).status_code == 429
        assert client.get(f"/d/{mint(portal_settings, DANA)}", headers=attacker).status_code == 200
        # the header from anyone but the proxy is a claim, not an address
        peer.address = ELSEWHERE
        assert client.get("/d/guess-y", headers=attacker).status_code == 403
    rejected = audit_log.entries(workbench_store, "link_rejected")
    assert {e.actor for e in rejected} == {"client:192.0.2.66", "client:192.0.2.7", f"client:{ELSEWHERE}"}


def test_trusted_proxies_are_read_from_the_environment(tmp_path):
    env = {"LEDGERLOOP_HOME": str(tmp_path), "LEDGERLOOP_SECRET_KEY": "k" * 40}
    assert PortalSettings.from_env(env).trusted_proxies == ()
    settings = PortalSettings.from_env({**env, "LEDGERLOOP_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16,::1"})
    assert settings.trusted_proxies == ("10.0.0.5", "10.1.0.0/16", "::1")
    with pytest.raises(ValueError, match=r"LEDGERLOOP_TRUSTED_PROXIES: 'proxy\.local' is not an IP"):
        PortalSettings.from_env({**env, "LEDGERLOOP_TRUSTED_PROXIES": "proxy.local"})
