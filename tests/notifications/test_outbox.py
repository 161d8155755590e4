"""Drafts wait for approval; approved mail goes out through SMTP once, recorded in the audit log."""

import email
import email.policy
import ssl

import pytest

from notifications.outbox import Outbox, OutboxError, SmtpSettings
from portal.store import audit_log, connect
from tests.notifications.helpers import job, message
from tests.notifications.smtp_double import smtp_server

DAY = "2026-11-23"


@pytest.fixture
def store(tmp_path):
    store = connect(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    yield store
    store.close()


@pytest.fixture
def outbox(tmp_path) -> Outbox:
    box = Outbox(tmp_path / "outbox")
    box.write_draft(DAY, "dana", message())
    box.write_draft(DAY, "lee", message([job(director_email="lee@example.com")],
                                         name="Lee Park", email="lee@example.com"))
    return box


@pytest.fixture
def server():
    with smtp_server() as (inbox, port):
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5)


def recipients(inbox) -> list[str]:
    return [email.message_from_bytes(m, policy=email.policy.SMTP)["To"].addresses[0].addr_spec
            for m in inbox.messages]


def test_outbox_files_are_readable_by_their_owner_only(outbox, store):
    # Each message holds a director's signed link: another local user must not be able to read it.
    assert (outbox.root.stat().st_mode & 0o077) == 0
    drafts = outbox.items("drafts")
    assert drafts and all(item.path.stat().st_mode & 0o077 == 0 for item in drafts)
    (approved,) = outbox.approve([drafts[0].ident], "kim", audit_log.recorder(store))
    assert approved.path.stat().st_mode & 0o077 == 0


def test_outbox_sends_nothing_that_is_not_approved(outbox, server, store):
    inbox, smtp = server
    report = outbox.send(smtp, "kim", audit_log.recorder(store))
    assert report.sent == [] and inbox.messages == []
    assert [i.ident for i in outbox.items("drafts")] == [f"{DAY}/dana", f"{DAY}/lee"]


def test_outbox_sends_approved_mail_once_and_audits_it(outbox, server, store):
    inbox, smtp = server
    outbox.approve([f"{DAY}/dana"], "kim", audit_log.recorder(store))
    first = outbox.send(smtp, "kim", audit_log.recorder(store))
    again = outbox.send(smtp, "kim", audit_log.recorder(store))
    assert [i.ident for i in first.sent] == [f"{DAY}/dana"]
    assert again.sent == [] and again.uncertain == []
    assert recipients(inbox) == ["dana@example.com"]
    sent_id = first.sent[0].message()["Message-ID"]
    received = email.message_from_bytes(inbox.messages[0], policy=email.policy.SMTP)
    assert received["Message-ID"] == sent_id
    assert received.get_body(preferencelist=("html",)) is not None
    audit = [(e.actor, e.action, e.subject, e.detail) for e in audit_log.entries(store)]
    assert audit == [("kim", "email.approved", "dana@example.com", sent_id),
                     ("kim", "email.sent", "dana@example.com", sent_id)]
    assert [i.ident for i in outbox.items("drafts")] == [f"{DAY}/lee"]


def test_outbox_never_resends_a_message_whose_delivery_was_interrupted(outbox, server, store):
    # A crash after the message was marked as sending but before it was marked sent: the server
    # may have it. A second `send` reports it and does not send it again.
    inbox, smtp = server
    (approved,) = outbox.approve([f"{DAY}/dana"], "kim", audit_log.recorder(store))
    outbox._move(approved, "sending")
    report = outbox.send(smtp, "kim", audit_log.recorder(store))
    assert [i.ident for i in report.uncertain] == [f"{DAY}/dana"]
    assert report.sent == [] and inbox.messages == []


def test_outbox_marks_a_message_as_sending_before_the_server_accepts_it(outbox, store, tmp_path):
    seen_states = []

    class RecordingClient:
        def send_message(self, msg):
            seen_states.append(sorted(p.parent.parent.name for p in outbox.root.rglob("*.eml")
                                      if p.stem == "dana"))
            raise ConnectionResetError("server went away mid-DATA")

    class Smtp:
        def connect(self):
            from contextlib import nullcontext
            return nullcontext(RecordingClient())

    outbox.approve([f"{DAY}/dana"], "kim", audit_log.recorder(store))
    with pytest.raises(ConnectionResetError):
        outbox.send(Smtp(), "kim", audit_log.recorder(store))
    assert seen_states == [["sending"]]
    assert [i.ident for i in outbox.items("sending")] == [f"{DAY}/dana"]


def test_outbox_puts_a_refused_message_back_in_approved(outbox, server, store):
    inbox, smtp = server
    inbox.refuse.add("lee@example.com")
    outbox.approve([f"{DAY}/dana", f"{DAY}/lee"], "kim", audit_log.recorder(store))
    report = outbox.send(smtp, "kim", audit_log.recorder(store))
    assert [i.ident for i in report.sent] == [f"{DAY}/dana"]
    assert [i.ident for i, _ in report.refused] == [f"{DAY}/lee"]
    assert [i.ident for i in outbox.items("approved")] == [f"{DAY}/lee"]
    assert [e.action for e in audit_log.entries(store)][-2:] == ["email.sent", "email.refused"]
    inbox.refuse.clear()
    assert [i.ident for i in outbox.send(smtp, "kim", audit_log.recorder(store)).sent] == [f"{DAY}/lee"]
    assert recipients(inbox) == ["dana@example.com", "lee@example.com"]


def test_outbox_does_not_redraft_a_message_already_approved_or_sent(outbox, store):
    outbox.approve([f"{DAY}/dana"], "kim", audit_log.recorder(store))
    assert outbox.write_draft(DAY, "dana", message()) is None
    assert outbox.items("drafts", DAY)[0].name == "lee"


def test_outbox_refreshes_a_draft_that_waits_for_approval(outbox):
    before = outbox.items("drafts", DAY)[0].message()["Message-ID"]
    path = outbox.write_draft(DAY, "dana", message([job("INV-1"), job("INV-2")]))
    assert path is not None
    refreshed = outbox.items("drafts", DAY)[0].message()
    assert refreshed["Message-ID"] != before
    assert refreshed["Subject"] == "2 invoices waiting on your answer"


def test_outbox_approve_names_an_unknown_draft(outbox, store):
    with pytest.raises(OutboxError, match=f"no draft named {DAY}/nobody"):
        outbox.approve([f"{DAY}/nobody"], "kim", audit_log.recorder(store))
    assert outbox.items("approved") == []


@pytest.mark.parametrize(("env", "error"), [
    ({}, "LEDGERLOOP_SMTP_HOST is not set"),
    ({"LEDGERLOOP_SMTP_HOST": "h", "LEDGERLOOP_SMTP_SECURITY": "tls1"}, "must be starttls, ssl or none"),
    ({"LEDGERLOOP_SMTP_HOST": "h", "LEDGERLOOP_SMTP_PORT": "x"}, "LEDGERLOOP_SMTP_PORT must be a number"),
    ({"LEDGERLOOP_SMTP_HOST": "h", "LEDGERLOOP_SMTP_USER": "u"}, "set both LEDGERLOOP_SMTP_USER"),
])
def test_smtp_settings_name_the_bad_variable(env, error):
    with pytest.raises(OutboxError, match=error):
        SmtpSettings.from_env(env)


def test_smtp_settings_refuse_a_password_in_clear_text_to_another_machine():
    credentials = {"LEDGERLOOP_SMTP_SECURITY": "none", "LEDGERLOOP_SMTP_USER": "mailer",
                   "LEDGERLOOP_SMTP_PASSWORD": "hunter2-smtp-pass"}
    with pytest.raises(OutboxError, match="unencrypted to mail.example.com"):
        SmtpSettings.from_env({"LEDGERLOOP_SMTP_HOST": "mail.example.com", **credentials})
    assert SmtpSettings.from_env({"LEDGERLOOP_SMTP_HOST": "127.0.0.1", **credentials}).user == "mailer"


def test_smtp_settings_repr_hides_the_password():
    smtp = SmtpSettings.from_env({"LEDGERLOOP_SMTP_HOST": "h", "LEDGERLOOP_SMTP_USER": "mailer",
                                  "LEDGERLOOP_SMTP_PASSWORD": "hunter2-smtp-pass"})
    assert "hunter2-smtp-pass" not in repr(smtp)


def test_smtp_settings_default_port_follows_security():
    assert SmtpSettings.from_env({"LEDGERLOOP_SMTP_HOST": "h"}).port == 587
    assert SmtpSettings.from_env({"LEDGERLOOP_SMTP_HOST": "h", "LEDGERLOOP_SMTP_SECURITY": "ssl"}).port == 465


@pytest.fixture
def certificate(tmp_path):
    from tests.orchestration.ingest.salesforce_double import make_certificate

    cert, key = make_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


# aiosmtpd warns about AUTH without STARTTLS; with implicit TLS the session is encrypted anyway.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_outbox_sends_over_tls_with_credentials(outbox, store, certificate, security):
    cert, context = certificate
    with smtp_server(tls=context, implicit_tls=security == "ssl",
                     credentials=("mailer", "s3cret")) as (inbox, port):
        smtp = SmtpSettings.from_env({
            "LEDGERLOOP_SMTP_HOST": "127.0.0.1", "LEDGERLOOP_SMTP_PORT": str(port),
            "LEDGERLOOP_SMTP_SECURITY": security, "LEDGERLOOP_SMTP_USER": "mailer",
            "LEDGERLOOP_SMTP_PASSWORD": "s3cret", "LEDGERLOOP_SMTP_CA_FILE": str(cert),
            "LEDGERLOOP_SMTP_TIMEOUT": "5",
        })
        outbox.approve([f"{DAY}/dana"], "kim", audit_log.recorder(store))
        assert [i.ident for i in outbox.send(smtp, "kim", audit_log.recorder(store)).sent] == [f"{DAY}/dana"]
    assert recipients(inbox) == ["dana@example.com"]


def test_outbox_refuses_a_server_certificate_it_cannot_verify(outbox, store, certificate):
    _, context = certificate
    with smtp_server(tls=context) as (inbox, port):
        smtp = SmtpSettings(host="127.0.0.1", port=port, security="starttls", timeout=5)
        outbox.approve([f"{DAY}/dana"], "kim", audit_log.recorder(store))
        with pytest.raises(ssl.SSLCertVerificationError):
            outbox.send(smtp, "kim", audit_log.recorder(store))
    assert inbox.messages == []
    assert [i.ident for i in outbox.items("approved")] == [f"{DAY}/dana"]


def test_outbox_withdraws_only_unapproved_drafts_not_kept(outbox, store):
    outbox.approve([f"{DAY}/lee"], "kim", audit_log.recorder(store))
    outbox.write_draft(DAY, "sam", message())
    outbox.write_draft(DAY, "alerts-sam", message())  # another writer's draft in the same folder
    outbox.write_draft("2026-11-22", "sam", message())  # yesterday's: superseded by today's
    outbox.write_draft("2026-11-22", "alerts-sam", message())
    withdrawn = outbox.withdraw_drafts(DAY, "director", keep={"sam"})
    assert [i.ident for i in withdrawn] == ["2026-11-22/sam", f"{DAY}/dana"]
    assert [i.ident for i in outbox.items("drafts")] == [
        "2026-11-22/alerts-sam", f"{DAY}/alerts-sam", f"{DAY}/sam"
    ]
    assert [i.ident for i in outbox.items("approved")] == [f"{DAY}/lee"]


def test_drafts_written_in_bulk_are_synced_together_not_one_by_one(tmp_path, monkeypatch):
    from notifications import folder_states
    from notifications.channels.message_folder import ChannelMessage, ChannelOutbox

    fsyncs, syncs = [], []
    real_fsync = folder_states.os.fsync
    monkeypatch.setattr(folder_states.os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd)))
    monkeypatch.setattr(folder_states, "sync_filesystem", lambda path: syncs.append(path))
    box = Outbox(tmp_path / "outbox")
    letters = ChannelOutbox(tmp_path / "letters", "letter")
    with box.bulk(sync_every=3), letters.bulk():
        for n in range(7):
            box.write_draft(DAY, f"director-{n}", message())
        letters.write_draft(DAY, "acme", ChannelMessage("letter", "Acme", "Overdue", "text", {}, b"%PDF-1.4"))
        assert fsyncs == [] and len(syncs) == 2  # after the 3rd and the 6th email
    outbox, letters_root = tmp_path / "outbox", tmp_path / "letters"
    assert fsyncs == [] and syncs == [outbox, outbox, letters_root, outbox]  # the rest, at the end
    assert [item.name for item in box.items("drafts")] == [f"director-{n}" for n in range(7)]
    assert letters.draft(f"{DAY}/acme").message().attachment == b"%PDF-1.4"
    box.write_draft(DAY, "after", message())  # outside the block: durable at once, as before
    assert len(fsyncs) == 2 and len(syncs) == 4  # the file, then its folder


def test_sync_filesystem_flushes_the_filesystem_of_a_folder(tmp_path):
    from notifications.folder_states import sync_filesystem

    (tmp_path / "draft.eml").write_bytes(b"Subject: x\r\n\r\nbody\r\n")
    sync_filesystem(tmp_path)  # raises with the folder's name when the system refuses
    with pytest.raises(OSError):
        sync_filesystem(tmp_path / "missing")


def test_a_batched_audit_writes_its_lines_a_batch_at_a_time_in_order(store):
    with audit_log.batched(store, every=2) as audit:
        audit("ledgerloop", "dunning.drafted", "dunning:a", {"steps": 1}, account_id="ACME")
        assert audit_log.entries(store) == []
        audit("ledgerloop", "dunning.drafted", "dunning:b", "plain text")
        assert len(audit_log.entries(store)) == 2
        audit("ledgerloop", "dunning.run", "run 2026-11-23")
    lines = audit_log.entries(store)
    assert [(e.action, e.subject, e.detail, e.account_id) for e in lines] == [
        ("dunning.drafted", "dunning:a", '{"steps": 1}', "ACME"),
        ("dunning.drafted", "dunning:b", "plain text", None),
        ("dunning.run", "run 2026-11-23", "", None),
    ]
    assert lines[0].at <= lines[1].at <= lines[2].at
