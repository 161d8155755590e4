"""Drafting the SMS channel: the notice's text on one line, with its encoding and segment count."""

from __future__ import annotations

import datetime as dt
import re

from notifications.channels.message_folder import ChannelMessage
from notifications.channels.sms import SMS, sms_size
from orchestration.dunning.channels.registry import Clean, OutboxDrafter
from orchestration.dunning.model import Contact, Notice
from orchestration.dunning.notices import environment, notice_context, notice_meta, one_line
from orchestration.policy.dunning import Dunning

_PHONE = re.compile(r"\+?[0-9 ().-]{3,30}")


def render_sms(notice: Notice, dunning: Dunning, as_of: dt.date) -> ChannelMessage:
    """The SMS text of a notice, with its encoding and segment count."""
    context = notice_context(notice, dunning, as_of)
    text = one_line(
        environment().get_template(f"sms/dunning/{notice.lead.step.template}.txt.jinja2").render(context)
    )
    size = sms_size(text)
    meta = {
        **notice_meta(notice),
        "encoding": size.encoding,
        "segments": size.segments,
        "units": size.units,
        "sender": context["sender"].sms_sender,
    }
    return ChannelMessage(
        SMS.name, notice.account.contact.phone or "", f"SMS to {notice.account.account_name}", text, meta
    )


class SmsDrafter(OutboxDrafter):
    channel = SMS
    weight = 0

    def address_problem(self, contact: Contact) -> str | None:
        if not contact.phone:
            return "no_phone"
        if not _PHONE.fullmatch(contact.phone.strip()):
            return "bad_phone"  # the gateway file starts `To: <phone>`: no line breaks or other text
        return None

    def render(self, notice: Notice, dunning: Dunning, as_of: dt.date) -> ChannelMessage:
        return render_sms(notice, dunning, as_of)

    def recorded(self, notice: Notice, message: ChannelMessage) -> tuple[str | None, str]:
        return message.recipient, f"SMS ({message.meta['segments']} segment(s))"

    def preview(self, notice: Notice, dunning: Dunning, as_of: dt.date, clean: Clean) -> str:
        sms = render_sms(notice, dunning, as_of)
        return (
            f"to {clean(sms.recipient)} [{sms.meta['encoding']}, {sms.meta['segments']} "
            f"segment(s)]: {clean(sms.body)}"
        )
