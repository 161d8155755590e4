"""`ledgerloop risk backtest`: validate the payment-risk model on the warehouse's history.

Reads `intermediate.int_account_risk_features` read-only (so not while a run holds the
warehouse), trains on what was known before the cut-off, scores what came after, prints the
comparison with the naive baseline and writes `exports/risk/backtest-<cutoff>.html`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from orchestration.cli.support import home_option, load_policy, read_only_warehouse, settings_for
from orchestration.cli.working import Working

if TYPE_CHECKING:
    from orchestration.storage.engine import Engine

FEATURES_TABLE = "intermediate.int_account_risk_features"


def load_features(warehouse: Engine):
    """The feature table as a DataFrame; ClickException when there is none yet."""
    import duckdb

    from orchestration.risk.model import model_columns

    busy = f"cannot open {warehouse.describe()} (is a run in progress?)"
    try:
        with read_only_warehouse(warehouse, busy, [FEATURES_TABLE]) as con:
            # in one order whatever the engine: the baseline's ties are broken by row order
            columns = ", ".join(model_columns(con.table(FEATURES_TABLE).columns))
            return con.execute(f"select {columns} from {FEATURES_TABLE} order by all").df()
    except duckdb.CatalogException:
        raise click.ClickException(
            f"{FEATURES_TABLE} is not in {warehouse.describe()}: run `ledgerloop run` first"
        ) from None


@click.group("risk")
def risk() -> None:
    """Payment risk: validate the model on history."""


@risk.command("backtest")
@click.option(
    "--cutoff",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Train on what was known before this date, score what came after "
    "(default: six months before the newest history).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the HTML report (default: $LEDGERLOOP_HOME/exports/risk).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@home_option
def backtest(cutoff: dt.datetime | None, out: Path | None, as_json: bool, home: str | None) -> None:
    """Train before CUTOFF, score after it; compare with the naive baseline (AUC, Brier,
    calibration, lift) and write an HTML report with charts."""
    with Working(f"Reading {FEATURES_TABLE}") as working:
        from orchestration.risk.backtest import default_cutoff, format_table, run_backtest
        from orchestration.risk.model import feature_columns
        from orchestration.risk.report import write_report

        settings = settings_for(home)
        policy = load_policy(settings)
        frame = load_features(settings.warehouse)
        if frame.empty:
            raise click.ClickException(f"{FEATURES_TABLE} is empty: there is no history to backtest on")
        day = cutoff.date() if cutoff else default_cutoff(frame)
        try:
            feature_columns(frame, policy.risk)
        except ValueError as exc:  # risk.features names a column the table lacks
            raise click.ClickException(str(exc)) from None
        working.doing(f"Training on {len(frame):,} rows known before {day}, scoring those after it")
        result, _ = run_backtest(frame, day, policy.risk)
        if not result.model.rows:
            raise click.ClickException(
                f"no labelled rows dated on or after {day}: choose an earlier --cutoff")
        working.doing("Writing the report")
        path = write_report(result, out or settings.exports_dir / "risk")
    if as_json:
        click.echo(json.dumps({**result.as_dict(), "report": str(path)}, default=str))
    else:
        click.echo(format_table(result))
        click.echo(f"\nReport: {path}")
