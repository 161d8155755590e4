"""Director link tokens: mint, verify, refuse."""

from __future__ import annotations

import time

import pytest

from portal.links import LinkClaims, LinkExpired, LinkInvalid, LinkSigner, link_url

KEY = "a-secret-key-that-is-long-enough-for-tests-000"


def test_link_signer_round_trips_director_and_version():
    signer = LinkSigner(KEY, 3600)
    assert signer.verify(signer.mint("Dana@Example.com ", 4)) == LinkClaims("dana@example.com", 4)


def test_link_signer_uses_sha256():
    signer = LinkSigner(KEY, 3600)
    signature = signer.mint("dana@example.com", 1).rsplit(".", 1)[1]
    assert len(signature) == 43  # 32 bytes of HMAC-SHA256, base64url without padding


def test_link_signer_refuses_another_key():
    with pytest.raises(LinkInvalid):
        LinkSigner(KEY, 3600).verify(LinkSigner(KEY + "x", 3600).mint("dana@example.com", 1))


def test_link_signer_refuses_a_changed_signature():
    token = LinkSigner(KEY, 3600).mint("dana@example.com", 1)
    head, signature = token.rsplit(".", 1)
    # change the first character: the last one of unpadded base64 carries ignorable bits
    flipped = f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    with pytest.raises(LinkInvalid):
        LinkSigner(KEY, 3600).verify(flipped)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "....", "é.é.é"])
def test_link_signer_refuses_malformed_tokens(token):
    with pytest.raises(LinkInvalid):
        LinkSigner(KEY, 3600).verify(token)


def test_link_signer_refuses_an_expired_token(monkeypatch):
    signer = LinkSigner(KEY, 3600)
    issued = time.time() - 3601
    monkeypatch.setattr(time, "time", lambda: issued)
    token = signer.mint("dana@example.com", 1)
    monkeypatch.undo()
    with pytest.raises(LinkExpired):
        signer.verify(token)


def test_link_signer_refuses_an_empty_key():
    with pytest.raises(ValueError, match="secret_key"):
        LinkSigner("", 3600)


def test_link_url_joins_base_and_token():
    assert link_url("https://portal.example.com/", "tok") == "https://portal.example.com/d/tok"
