"""The pipeline's own records under the home's `state/` folder (the last refresh's inputs, what
the day's worklist folder holds): small JSON files, each written whole or not at all."""

from __future__ import annotations

import json
import os
from pathlib import Path


def state_folder(home: Path) -> Path:
    return home / "state"


def write_record(path: Path, record: dict) -> None:
    """Written whole or not at all: a reader finds the old record or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(record, indent=1))
    os.replace(partial, path)
