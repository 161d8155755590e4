"""Progress on stderr for a command whose work can run long (a big outbox, a million-invoice
warehouse): nothing when the work ends within half a second, else a line saying what it does,
kept current on a terminal (with a count when the work is counted) and, on a pipe or a log file,
a "still working" line when nothing was said for a while. stdout keeps the command's own output.

`ledgerloop run` reports its steps through `run_progress`; this serves the other commands.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

FIRST_LINE_AFTER = 0.5
"""Seconds of work before the first line: a quick command prints nothing on stderr."""
HEARTBEAT_SECONDS = 15.0
CLEAR = "\r\x1b[K"
"""Back to the line's start and erase it: a terminal's status line is redrawn in place."""


class Working:
    """What a command is doing, said on `stream` (default: stderr at the time; `quiet`: nothing)."""

    def __init__(self, text: str, total: int | None = None, *, stream: TextIO | None = None,
                 quiet: bool = False, first_line_after: float | None = None,
                 heartbeat: float = HEARTBEAT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = None if quiet else stream if stream is not None else sys.stderr
        self._live = bool(self._stream is not None and self._stream.isatty())
        self._first_line_after = FIRST_LINE_AFTER if first_line_after is None else first_line_after
        self._heartbeat = heartbeat
        self._clock = clock
        self._started = self._said_at = clock()
        self._text, self._total, self._done, self._since = text, total, 0, self._started
        self._shown = False  # the current phase's line was written
        self._drawn = ""  # the status line on the terminal now
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="ledgerloop-working", daemon=True)

    def __enter__(self) -> Working:
        if self._stream is not None:
            with self._lock:
                if self._first_line_due():
                    self._say()
            self._ticker.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        if self._ticker.is_alive():
            self._ticker.join(timeout=2)
        with self._lock:
            if self._live and self._first_line_due():
                self._write(CLEAR, line=False)

    def doing(self, text: str, total: int | None = None) -> None:
        """The work moved on to `text` (`total`: how many things it counts)."""
        with self._lock:
            self._text, self._total, self._done, self._since = text, total, 0, self._clock()
            self._shown = False
            if self._first_line_due():
                self._say()

    def advance(self, count: int = 1) -> None:
        """`count` more of the current work's things are done."""
        with self._lock:
            self._done += count

    # the ticker ------------------------------------------------------------------------------
    def _tick(self) -> None:
        while not self._stop.wait(0.1):
            with self._lock:
                if not self._first_line_due():
                    continue
                if not self._shown:
                    self._say()
                elif self._live:
                    if (status := self._status()) != self._drawn:
                        self._draw(status)
                elif self._clock() - self._said_at >= self._heartbeat:
                    self._write(f"{self._stamp()} ... still working: {self._status(stamped=False)}\n")

    def _first_line_due(self) -> bool:
        return self._clock() - self._started >= self._first_line_after

    def _say(self) -> None:
        self._shown = True
        self._write(f"{CLEAR if self._live else ''}{self._stamp()} {self._text} ...\n")
        if self._live:
            self._draw(self._status())

    def _draw(self, status: str) -> None:
        """The terminal's status line, redrawn in place (only when it reads differently)."""
        self._drawn = status
        self._write(CLEAR + status, line=False)

    def _status(self, *, stamped: bool = True) -> str:
        count = f": {self._done:,} of {self._total:,} done" if self._total is not None else ""
        status = f"{self._text}{count} ({int(self._clock() - self._since)} s)"
        if not stamped:
            return status
        width = shutil.get_terminal_size().columns - 1
        return f"{self._stamp()} {status}"[:width]

    def _stamp(self) -> str:
        return stamp(self._clock() - self._started)

    def _write(self, text: str, *, line: bool = True) -> None:
        if self._stream is not None and not written(self._stream, text):
            self._stream = None
        if line:
            self._said_at = self._clock()


def stamp(seconds: float) -> str:
    """`[1:05]`: the time since a command started, as its progress lines begin."""
    seconds = int(seconds)
    return f"[{seconds // 60}:{seconds % 60:02d}]"


def written(stream: TextIO, text: str) -> bool:
    """Write and flush `text`; False when the stream went away (a closed terminal): progress is
    given up then, never the work it reports on."""
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        return False
    return True
