"""What every test shares."""

import pytest

from orchestration.cli import working


@pytest.fixture(autouse=True)
def _no_progress_lines(monkeypatch):
    """A command's progress lines appear once its work has run half a second, which depends on
    the machine's load: tests compare commands' output exactly, so those lines stay off here and
    `tests/orchestration/cli/test_working.py` tests them."""
    monkeypatch.setattr(working, "FIRST_LINE_AFTER", float("inf"))
