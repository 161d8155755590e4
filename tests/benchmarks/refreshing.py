"""Refreshes running in the background, for figures that must hold "while a refresh runs": the
5,000-invoice demo in its own home, `ledgerloop run` again and again, each with a new export file,
as the 15-minute schedule does on a busy day (back to back here, so there is always one running)."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType

from orchestration.demo import generate_demo
from orchestration.settings import REPO_ROOT, Settings
from tests.benchmarks.loop_bench import ledgerloop, one_new_export
from tests.benchmarks.pipeline_bench import AS_OF


class Refreshing:
    """`with Refreshing():` a first run (not timed), then refreshes back to back until the block
    ends (the one running then is let finish); `seconds` holds each refresh's duration."""

    def __init__(self, invoices: int = 5_000) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="ledgerloop-refreshing-"))
        self.invoices = invoices
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="refreshing", daemon=True)

    def __enter__(self) -> Refreshing:
        generate_demo(self.home, Settings(home=self.home, config_path=REPO_ROOT / "ledgerloop.yaml").policy(),
                      self.invoices, 7, AS_OF, progress=False)
        ledgerloop(self.home)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            one_new_export(self.home, len(self.seconds) + 1)  # other bytes each time
            seconds, _, summary = ledgerloop(self.home)
            if summary.get("skipped"):
                raise RuntimeError("a refresh with a new export was skipped: nothing ran meanwhile")
            self.seconds.append(seconds)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        shutil.rmtree(self.home, ignore_errors=True)
