"""SMS and letter outboxes: segment counts, approval, delivery once through a gateway."""

import datetime as dt

import pytest

from notifications.channels.message_folder import (
    ChannelMessage,
    ChannelOutbox,
    FileGateway,
    GatewayRefused,
)
from notifications.channels.sms import sms_size
from notifications.outbox import OutboxError

DAY = "2026-11-23"


def test_sms_size_counts_gsm7_segments_with_extension_characters_as_two():
    assert sms_size("a" * 160) == sms_size("a" * 160).__class__("GSM-7", 160, 1)
    assert sms_size("a" * 161).segments == 2
    assert sms_size("a" * 306).segments == 2 and sms_size("a" * 307).segments == 3
    assert sms_size("€" * 80).units == 160 and sms_size("€" * 81).segments == 2


def test_sms_size_falls_back_to_ucs2_for_characters_outside_gsm7():
    assert sms_size("Zoé owes ¥5").encoding == "GSM-7"  # é and ¥ are in the GSM alphabet
    assert sms_size("Zoë owes ¥5").encoding == "UCS-2"  # ë is not
    text = "Payment due – thanks 🙂"
    size = sms_size(text)
    assert size.encoding == "UCS-2" and size.units == len(text) + 1  # the emoji is two UTF-16 units
    assert sms_size("ő" * 70).segments == 1 and sms_size("ő" * 71).segments == 2


def _message(name="Acme", send_after=None, pdf=None):
    meta = {"account_id": "A1", "notice_id": f"n-{name}"}
    if send_after:
        meta["send_after"] = send_after.isoformat()
    return ChannelMessage("sms", "+12125550100", f"SMS to {name}", f"Hello {name}", meta, pdf)


class Audit(list):
    def __call__(self, actor, action, subject, detail="", *, account_id=None):
        self.append((actor, action, subject, account_id))


class Flaky:
    """A gateway that refuses the first message it sees, then accepts."""

    def __init__(self):
        self.delivered, self.calls = [], 0

    def deliver(self, item, message):
        self.calls += 1
        if self.calls == 1:
            raise GatewayRefused("rate limited")
        self.delivered.append(message.body)
        return f"ref-{self.calls}"


def test_channel_outbox_delivers_approved_messages_once_and_audits_each_step(tmp_path):
    outbox = ChannelOutbox(tmp_path / "sms", "sms")
    outbox.write_draft(DAY, "acme", _message(pdf=b"%PDF-1.4 letter"))
    audit = Audit()
    gateway = FileGateway(tmp_path / "dispatch")
    assert outbox.send(gateway, "kim", audit).sent == []  # drafts are never sent
    (approved,) = outbox.approve([f"{DAY}/acme"], "kim", audit)
    assert approved.message().attachment == b"%PDF-1.4 letter"
    report = outbox.send(gateway, "kim", audit)
    assert [i.ident for i in report.sent] == [f"{DAY}/acme"]
    assert outbox.send(gateway, "kim", audit).sent == []
    assert (tmp_path / "dispatch" / DAY / "acme.pdf").read_bytes() == b"%PDF-1.4 letter"
    assert [a[1] for a in audit] == ["sms.approved", "sms.sent"] and audit[0][3] == "A1"
    assert outbox.write_draft(DAY, "acme", _message()) is None  # sent: not drafted again


def test_channel_outbox_keeps_a_refused_message_approved_and_an_interrupted_one_uncertain(tmp_path):
    outbox = ChannelOutbox(tmp_path / "sms", "sms")
    for name in ("a", "b"):
        outbox.write_draft(DAY, name, _message(name))
    outbox.approve([f"{DAY}/a", f"{DAY}/b"], "kim", Audit())
    gateway = Flaky()
    report = outbox.send(gateway, "kim", Audit())
    assert [i.ident for i, _ in report.refused] == [f"{DAY}/a"] and gateway.delivered == ["Hello b"]
    assert [i.ident for i in outbox.items("approved")] == [f"{DAY}/a"]
    # A crash between "sending" and "sent" leaves the message in sending/: reported, not resent.
    outbox._move(outbox.items("approved")[0], "sending")
    report = outbox.send(gateway, "kim", Audit())
    assert [i.ident for i in report.uncertain] == [f"{DAY}/a"] and report.sent == []
    assert gateway.delivered == ["Hello b"]


def test_channel_outbox_holds_a_message_until_its_sending_window(tmp_path):
    outbox = ChannelOutbox(tmp_path / "sms", "sms")
    opens = dt.datetime(2026, 11, 23, 14, tzinfo=dt.UTC)
    outbox.write_draft(DAY, "acme", _message(send_after=opens))
    outbox.approve([f"{DAY}/acme"], "kim", Audit())
    gateway = FileGateway(tmp_path / "dispatch")
    early = outbox.send(gateway, "kim", Audit(), now=opens - dt.timedelta(minutes=1))
    assert early.sent == [] and len(early.held) == 1
    assert len(outbox.send(gateway, "kim", Audit(), now=opens).sent) == 1


def test_channel_outbox_approving_an_unknown_name_is_an_error_naming_it(tmp_path):
    outbox = ChannelOutbox(tmp_path / "letter", "letter")
    with pytest.raises(OutboxError, match=f"no letter draft named {DAY}/nobody"):
        outbox.approve([f"{DAY}/nobody"], "kim", Audit())
