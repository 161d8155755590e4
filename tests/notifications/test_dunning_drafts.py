"""Reading and approving the dunning drafts of some accounts across the email, SMS and letter outboxes."""

from __future__ import annotations

from notifications.dunning_drafts import account_drafts, approve_draft, dunning_outboxes, letter_pdf
from tests.notifications.dunning_draft_factories import (
    SEND_AFTER,
    write_email,
    write_letter,
    write_sms,
)


def _audit_log():
    calls = []

    def audit(actor, action, subject, detail, account_id=None):
        calls.append((actor, action, subject, account_id))

    return calls, audit


def test_account_drafts_lists_every_channel_of_the_given_accounts_only(tmp_path):
    email = write_email(tmp_path, "ACC-1", ["NYC|101", "NYC|102"], text="Dear Acme,\npay please.\n")
    sms = write_sms(tmp_path, "ACC-1", ["NYC|101"])
    letter = write_letter(tmp_path, "ACC-1", ["NYC|102"])
    write_email(tmp_path, "ACC-9", ["LDN|901"])
    drafts = {d.label: d for d in account_drafts(tmp_path, {"ACC-1"})}
    assert set(drafts) == {email, sms, letter}
    assert drafts[email].invoice_keys == ("NYC|101", "NYC|102")
    assert drafts[email].recipient == "ap@customer.example.com"
    assert drafts[email].text == "Dear Acme,\npay please.\n"
    assert drafts[email].send_after == SEND_AFTER
    assert drafts[sms].segments == 1 and drafts[sms].encoding == "GSM-7"
    assert drafts[letter].has_pdf and not drafts[email].has_pdf
    assert {d.account_id for d in account_drafts(tmp_path, None)} == {"ACC-1", "ACC-9"}


def test_account_drafts_leaves_out_escalation_emails_to_managers(tmp_path):
    write_email(tmp_path, "ACC-1", ["NYC|101"], name="dunning-acc_1-escalation-abcdef0123")
    assert account_drafts(tmp_path, {"ACC-1"}) == []


def test_approve_draft_moves_it_to_approved_and_audits_the_account_once(tmp_path):
    labels = [
        write_email(tmp_path, "ACC-1", ["NYC|101"]),
        write_sms(tmp_path, "ACC-1", ["NYC|101"]),
        write_letter(tmp_path, "ACC-1", ["NYC|101"]),
    ]
    calls, audit = _audit_log()
    for label in labels:
        assert approve_draft(tmp_path, label, "avery@example.com", audit) is True
        assert approve_draft(tmp_path, label, "avery@example.com", audit) is False  # twice: harmless
    assert account_drafts(tmp_path, {"ACC-1"}) == []
    assert {d.label for d in account_drafts(tmp_path, {"ACC-1"}, ("approved",))} == set(labels)
    assert [(c[0], c[1], c[3]) for c in calls] == [
        ("avery@example.com", "email.approved", "ACC-1"),
        ("avery@example.com", "sms.approved", "ACC-1"),
        ("avery@example.com", "letter.approved", "ACC-1"),
    ]


def test_approve_draft_refuses_names_outside_the_dunning_outboxes(tmp_path):
    calls, audit = _audit_log()
    assert approve_draft(tmp_path, "2026-11-24/director-mail", "x", audit) is False
    assert approve_draft(tmp_path, "dunning:../../etc/passwd", "x", audit) is False
    assert calls == []


def test_letter_pdf_returns_a_waiting_letters_pdf_and_nothing_for_other_names(tmp_path):
    letter = write_letter(tmp_path, "ACC-1", ["NYC|101"])
    sms = write_sms(tmp_path, "ACC-1", ["NYC|101"])
    assert letter_pdf(tmp_path, letter).startswith(b"%PDF")
    assert letter_pdf(tmp_path, sms) is None
    assert letter_pdf(tmp_path, "letter:../../secret") is None
    dunning_outboxes(tmp_path)["letter"].withdraw(letter.partition(":")[2])
    assert letter_pdf(tmp_path, letter) is None
