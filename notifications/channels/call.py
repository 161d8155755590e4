"""The call channel: a task on the collector's worklist instead of a message, so it has no
template, no folder and nothing to deliver (the pipeline's half writes the task)."""

from __future__ import annotations

from notifications.channels.registry import DunningChannel


class CallChannel(DunningChannel):
    name = "call_task"
    title = "Call task"


CALL_TASK = CallChannel()
