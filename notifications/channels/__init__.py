"""The dunning channels, one registered object each (`registry`); the built-in ones register here,
in the order listings show them."""

from notifications.channels.call import CALL_TASK
from notifications.channels.email import EMAIL
from notifications.channels.letter import LETTER
from notifications.channels.registry import (
    About,
    AccountAudit,
    Delivery,
    DunningChannel,
    OutboxChannel,
    by_label,
    channel,
    channels,
    dunning_root,
    outbox_channels,
    register,
    unregister,
)
from notifications.channels.sms import SMS

__all__ = [
    "About",
    "AccountAudit",
    "Delivery",
    "DunningChannel",
    "OutboxChannel",
    "by_label",
    "channel",
    "channels",
    "dunning_root",
    "outbox_channels",
    "register",
    "unregister",
]

for _builtin in (EMAIL, SMS, LETTER, CALL_TASK):
    register(_builtin)
