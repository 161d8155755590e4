"""The ingest's own SQL (orchestration/ingest/sql/): how each source's rows are typed, validated,
quarantined and reconciled."""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


def ingest_sql(name: str) -> Path:
    """The path of one of the ingest's SQL files, by name."""
    return SQL_DIR / name
