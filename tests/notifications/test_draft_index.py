"""The dunning drafts index: written as drafts are written and moved, reconciled with the folders
before a read by listing only changed day folders, owner-only, and rebuilt from the files."""

from __future__ import annotations

import os
import sqlite3
import stat
from email.message import EmailMessage

import pytest

from notifications import draft_index
from notifications.draft_index import DraftIndex
from notifications.dunning_drafts import approve_draft, dunning_outboxes
from tests.notifications.dunning_draft_factories import DAY, write_email, write_letter, write_sms


def _labels(index: DraftIndex, states=("drafts",)) -> set[str]:
    return {d.label for d in index.drafts(None, states)}


def test_drafts_are_indexed_as_they_are_written_and_moved_without_a_sync(tmp_path):
    email = write_email(tmp_path, "ACC-1", ["NYC|101"])
    sms = write_sms(tmp_path, "ACC-1", ["NYC|101"])
    letter = write_letter(tmp_path, "ACC-2", ["NYC|201"], editable=True)
    index = DraftIndex(tmp_path)
    assert _labels(index) == {email, sms, letter}  # no sync: the writers indexed them
    [row] = index.drafts({"ACC-2"})
    assert (row.channel, row.has_pdf, row.editable, row.invoice_keys) == ("letter", True, True, ("NYC|201",))
    assert approve_draft(tmp_path, sms, "kim", lambda *a, **k: None)
    assert _labels(index) == {email, letter} and _labels(index, ("approved",)) == {sms}
    assert index.count({"ACC-1"}) == 1


def test_long_headers_folded_over_lines_are_indexed_unfolded(tmp_path):
    keys = [f"LDN:{1105205 + n}" for n in range(12)] + ["NYC:INV 77"]  # over 78 characters: folded
    subject = "Reminder: " + " ".join(["thirteen invoices of Acme Corporation are past due"] * 3)
    label = write_email(tmp_path, "ACC-1", keys, subject=subject)
    stored = (tmp_path / "outbox" / "dunning" / "email" / "drafts" / label.split(":", 1)[1].split("/")[0])
    assert b"\n " in next(stored.iterdir()).read_bytes().split(b"\n\n")[0]  # the file does fold
    [row] = DraftIndex(tmp_path).drafts(None)
    assert row.invoice_keys == tuple(keys) and row.subject == subject


def test_an_invoice_list_folded_by_hand_after_a_comma_is_indexed_as_its_keys(tmp_path):
    label = write_email(tmp_path, "ACC-1", ["NYC|101", "NYC|102", "NYC|103"])
    day, name = label.split(":", 1)[1].split("/")
    path = tmp_path / "outbox" / "dunning" / "email" / "drafts" / day / f"{name}.eml"
    raw = path.read_bytes()  # as a mail client folds it: CRLF and a blank after each comma
    path.write_bytes(raw.replace(b"NYC|101,NYC|102,NYC|103", b"NYC|101,\r\n NYC|102,\r\n\tNYC|103"))
    index = DraftIndex(tmp_path)
    index.sync()
    [row] = index.drafts(None)
    assert row.invoice_keys == ("NYC|101", "NYC|102", "NYC|103")


def test_an_index_an_older_release_wrote_is_read_again_once(tmp_path):
    write_email(tmp_path, "ACC-1", ["NYC|101"])
    index = DraftIndex(tmp_path)
    index.sync(locked=True)
    with sqlite3.connect(index.path) as con:  # as the release that kept folded headers left it
        con.execute("""update drafts set invoice_keys = '["folded"]'""")
        con.execute("pragma user_version = 0")
    draft_index._local.connections = {}  # the next process
    index = DraftIndex(tmp_path)
    index.sync()
    [row] = index.drafts(None)
    assert row.invoice_keys == ("NYC|101",)


def test_a_sync_with_nothing_changed_reads_no_draft(tmp_path, monkeypatch):
    for n in range(20):
        write_email(tmp_path, f"ACC-{n}", [f"NYC|{n}"], name=f"dunning-acc-{n}-email-x")
    index = DraftIndex(tmp_path)
    index.sync(locked=True)  # as the pipeline ends its drafting

    def no_reading(*args):
        raise AssertionError("a clean sync parsed a draft")

    monkeypatch.setattr(draft_index, "read_row", no_reading)
    index.sync()
    assert index.count(None) == 20


def test_sync_sees_drafts_removed_replaced_and_dropped_in_by_hand(tmp_path):
    email = write_email(tmp_path, "ACC-1", ["NYC|101"], subject="Old subject")
    gone = write_sms(tmp_path, "ACC-1", ["NYC|101"])
    index = DraftIndex(tmp_path)
    index.sync(locked=True)
    folder = tmp_path / "outbox" / "dunning"
    path = folder / "email" / "drafts" / DAY / f"{email.rsplit('/', 1)[1]}.eml"
    replacement = path.with_name("edited-by-hand.tmp")
    replacement.write_bytes(path.read_bytes().replace(b"Old subject", b"New subject"))
    os.replace(replacement, path)  # replaced under the same name
    for entry in (folder / "sms" / "drafts" / DAY).iterdir():
        for file in entry.iterdir():
            file.unlink()
        entry.rmdir()
    (folder / "letter" / "drafts" / "2026-11-25").mkdir(parents=True)
    moved_in = folder / "letter" / "drafts" / "2026-11-25" / "dunning-acc-3-letter-x"
    os.replace(_letter_elsewhere(tmp_path), moved_in)  # a letter moved in from another machine
    index.sync()
    drafts = {d.label: d for d in index.drafts(None)}
    assert set(drafts) == {email, "letter:2026-11-25/dunning-acc-3-letter-x"}
    assert drafts[email].subject == "New subject" and gone not in drafts


def _letter_elsewhere(tmp_path):
    other = tmp_path / "elsewhere"
    label = write_letter(other, "ACC-3", ["NYC|301"])
    return other / "outbox" / "dunning" / "letter" / "drafts" / DAY / label.rsplit("/", 1)[1]


def test_the_index_is_owner_only_and_rebuilt_when_deleted(tmp_path):
    email = write_email(tmp_path, "ACC-1", ["NYC|101"])
    index = DraftIndex(tmp_path)
    assert stat.S_IMODE(index.path.stat().st_mode) == 0o600
    index.path.unlink()
    rebuilt = DraftIndex(tmp_path)
    rebuilt.sync()
    assert _labels(rebuilt) == {email}


def test_a_batched_index_writes_its_drafts_a_batch_at_a_time_and_the_rest_when_flushed(tmp_path):
    index = DraftIndex(tmp_path, batch_size=3)
    for n in range(4):
        message = EmailMessage()
        message["Subject"], message["To"], message["X-Ledgerloop-Account"] = f"R{n}", "a@b.example", "ACC-1"
        message.set_content("Please pay.")
        index.outboxes["dunning"].write_draft(DAY, f"dunning-acc-1-email-{n}", message)
    assert DraftIndex(tmp_path).count(None) == 3  # the first three, in one transaction
    index.flush()
    assert DraftIndex(tmp_path).count(None) == 4


@pytest.mark.parametrize("ident", ["../../x", "2026-11-24/../../secret", "", "/"])
def test_a_draft_is_never_found_outside_its_folder(tmp_path, ident):
    write_email(tmp_path, "ACC-1", ["NYC|101"])
    assert dunning_outboxes(tmp_path)["dunning"].draft(ident) is None
