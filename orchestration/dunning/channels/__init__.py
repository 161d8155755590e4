"""The pipeline's half of the dunning channels (`registry`): each built-in channel's drafter
registers here against the channel `notifications.channels` registered by that name."""

from orchestration.dunning.channels.call import CallDrafter
from orchestration.dunning.channels.email import EmailDrafter
from orchestration.dunning.channels.letter import LetterDrafter
from orchestration.dunning.channels.registry import (
    DraftDesk,
    Drafted,
    Drafter,
    OutboxDrafter,
    drafter,
    register,
    unregister,
)
from orchestration.dunning.channels.sms import SmsDrafter

__all__ = ["DraftDesk", "Drafted", "Drafter", "OutboxDrafter", "drafter", "register", "unregister"]

for _builtin in (EmailDrafter(), SmsDrafter(), LetterDrafter(), CallDrafter()):
    register(_builtin)
