"""The warehouse, `exports/`, `archive/` and the pipeline's scratch folders hold customer data:
they are created readable by their owner only, like the portal store and the outbox.

`LEDGERLOOP_GROUP_ACCESS` widens that for a team that shares one Unix group: `read` (the group
may read the warehouse and the exports) or `write` (the group may also run the pipeline).
The process's umask is set to match, so files DuckDB, dbt and Dagster create (a warehouse WAL,
an export) get the same modes; folders that exist from before are brought in line at each run.
"""

from __future__ import annotations

import os
from pathlib import Path

ACCESS_MODES = {  # access -> (umask, folder mode, file mode)
    "none": (0o077, 0o700, 0o600),
    "read": (0o027, 0o750, 0o640),
    "write": (0o007, 0o770, 0o660),
}
PRIVATE_FOLDERS = ("archive", "exports", "tmp", "decisions", "dagster")
PRIVATE_FILES = ("warehouse.duckdb", "warehouse.duckdb.wal")


def make_private(home: Path, access: str) -> None:
    """Set the umask for `access` and give the home's data folders and warehouse their modes."""
    umask, folder_mode, file_mode = ACCESS_MODES[access]
    os.umask(umask)
    home.mkdir(parents=True, exist_ok=True)
    for name in PRIVATE_FOLDERS:
        folder = home / name
        folder.mkdir(exist_ok=True)
        folder.chmod(folder_mode)
    for name in PRIVATE_FILES:
        if (home / name).exists():
            (home / name).chmod(file_mode)
