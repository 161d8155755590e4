"""dbt's debug events, built only when a log of the process takes them.

A `dbt build` of the 5,000-invoice demo fires ~4,000 debug events (every statement, its status,
every connection opened, used and closed, every cache action) against ~350 at info. dbt builds
each as a protobuf message where it is made, wraps it with the run's metadata when fired, formats
it as a JSON line for stdout and a text line for the log file, and only then do the logs' levels
drop it: ~40% of dbt's own Python per node, ~2.5 s of a 10 s build. With `install()` an event is
built when something reads it, and a debug event is dropped when fired while no log is at debug
(`--debug`, `--log-level debug` or `--log-level-file debug` keep every one of them).

The process's callbacks (ours waits for an info event, dbt's tracking of behaviour changes for a
warning) need nothing at debug. Written against dbt-common's `BaseEvent` and `EventManager`, which
`uv.lock` pins; tests/orchestration/defs/test_dbt_events.py proves it on the pinned versions.
"""

from __future__ import annotations

from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager

_build_event = BaseEvent.__init__
_fire_event = EventManager.fire_event


def _defer_build(self: BaseEvent, *args, **kwargs) -> None:
    object.__setattr__(self, "_unbuilt", (args, kwargs))


def _message(self: BaseEvent):
    """The event's protobuf message, built on first use (by whichever thread reads it first:
    building twice gives the same message)."""
    state = object.__getattribute__(self, "__dict__")
    if "pb_msg" not in state:
        if "_unbuilt" not in state:  # a copy or an unpickling under way: nothing to build yet
            raise AttributeError("pb_msg")
        args, kwargs = state["_unbuilt"]
        _build_event(self, *args, **kwargs)
    return state["pb_msg"]


def _getattr(self: BaseEvent, key: str):
    message = _message(self)
    return message if key == "pb_msg" else getattr(message, key)


def _setattr(self: BaseEvent, key: str, value) -> None:
    if key == "pb_msg":
        object.__setattr__(self, key, value)
    else:
        setattr(_message(self), key, value)


def _fire_if_logged(self: EventManager, e: BaseEvent, level: EventLevel | None = None, node=None,
                    force_warn_or_error_handling: bool = False) -> None:
    if (not force_warn_or_error_handling and (level or e.level_tag()) == EventLevel.DEBUG
            and all(logger.level != EventLevel.DEBUG for logger in self.loggers)):
        return
    _fire_event(self, e, level=level, node=node, force_warn_or_error_handling=force_warn_or_error_handling)


def install() -> None:
    """Defer building events and drop the debug ones no log takes, for the rest of the process."""
    BaseEvent.__init__ = _defer_build
    BaseEvent.__getattr__ = _getattr
    BaseEvent.__setattr__ = _setattr
    EventManager.fire_event = _fire_if_logged
