"""The manager summary: one self-contained HTML page per as-of date in `exports/manager/<as_of>/`
with aging trend, collector workload, KPIs, recent alerts, risk bands and credit-limit suggestions.

Every chart is an SVG from `orchestration.reporting.svg` with its numbers in a table beside it.
The page reads whichever marts the warehouse has: a section whose table does not exist yet (an
older warehouse) says so, an existing but empty one says "none". Currencies are never added up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2

from orchestration.reporting.blocks import Section
from orchestration.reporting.sections.aging import aging_section
from orchestration.reporting.sections.alerts import alerts_section
from orchestration.reporting.sections.credit import credit_section
from orchestration.reporting.sections.kpis import kpi_section
from orchestration.reporting.sections.risk import risk_section
from orchestration.reporting.sections.trend import TREND_DAYS
from orchestration.reporting.sections.workload import workload_section

TEMPLATES = Path(__file__).parent / "templates"

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Summary:
    """Every section of the page for one as-of date, in page order."""

    as_of: dt.date
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def read_summary(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    bucket_order: Sequence[str] = (),
    trend_days: int = TREND_DAYS,
    office_names: Mapping[str, str] | None = None,
) -> Summary:
    """Every section of the page for `as_of`, from whichever marts the warehouse holds; offices
    are shown by their names in the policy (`office_names`, code -> name)."""
    names = dict(office_names or {})
    return Summary(
        as_of,
        [
            aging_section(con, as_of, bucket_order, trend_days, names),
            workload_section(con),
            kpi_section(con, as_of, trend_days, names),
            alerts_section(con, as_of),
            risk_section(con, as_of),
            credit_section(con, as_of),
        ],
    )


def render_page(summary: Summary) -> str:
    """The summary as one self-contained page: no JavaScript, escaped throughout."""
    return _ENVIRONMENT.get_template("manager/summary.html.jinja2").render(
        as_of=summary.as_of, sections=summary.sections
    )


def write_page(page: str, exports_dir: Path, as_of: dt.date) -> Path:
    """Write exports/manager/<as_of>/index.html and a copy at exports/manager/latest.html, each
    swapped in whole so a reader never sees half a page."""
    root = exports_dir / "manager"
    folder = root / as_of.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "index.html"
    _replace(target, page)
    newest = max(
        (p.name for p in root.iterdir() if p.is_dir() and _is_date(p.name)), default=as_of.isoformat()
    )
    if newest <= as_of.isoformat():  # rebuilding an older date does not move `latest` back
        _replace(root / "latest.html", page)
    return target


def _is_date(name: str) -> bool:
    try:
        dt.date.fromisoformat(name)
    except ValueError:
        return False
    return True


def _replace(path: Path, text: str) -> None:
    staging = path.with_name(f".{path.name}.writing")
    staging.write_text(text, encoding="utf-8")
    staging.replace(path)
