"""The `ledgerloop` command.

Each subcommand imports what it needs when it runs (Dagster, dbt, pandas, the policy model), so
a light command such as `ledgerloop link` answers in well under a second.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from orchestration.cli.support import home_option, load_policy, prepared_settings
from orchestration.runtime import local_day, now_utc
from orchestration.settings import REPO_ROOT, apply_quiet_environment

# Commands that live beside the part they drive: name -> "module:attribute", imported on use.
LAZY_COMMANDS = {
    "audit": "orchestration.cli.audit:audit_command",
    "drafts": "orchestration.cli.drafts:drafts",
    "dunning": "orchestration.cli.dunning:dunning",
    "link": "orchestration.cli.portal:link_command",
    "payments": "orchestration.cli.payments:payments",
    "portal": "orchestration.cli.portal:portal_command",
    "risk": "orchestration.cli.risk:risk",
    "statement": "orchestration.cli.statement:statement_command",
}


class _LazyGroup(click.Group):
    """A group whose subcommands in `LAZY_COMMANDS` are imported only when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="ledgerloop")
def main() -> None:
    """ledgerloop: one living accounts-receivable ledger from Salesforce, trackers and payments."""
    apply_quiet_environment()


def entry() -> None:
    """The `ledgerloop` console script."""
    from orchestration.heap import run_as_script

    run_as_script(main)


@main.command()
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Age invoices at this date (default: today in the policy's time zone).")
@home_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--verbose", "-v", is_flag=True, help="Also show dbt's and Dagster's log lines (on stderr).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines, only the summary.")
@click.option("--force", is_flag=True, help="Rebuild even when nothing is new since the last refresh.")
@click.option("--full-refresh", is_flag=True,
              help="Rebuild the incremental models from every record (implies --force); same result.")
def run(as_of: dt.datetime | None, home: str | None, as_json: bool, verbose: bool, quiet: bool,
        force: bool, full_refresh: bool) -> None:
    """Materialize everything once and print a summary; exit 1 when a blocking check fails.
    With nothing new since the last refresh (same day, inputs, policy and code), say so and stop.

    Progress goes to stderr, a line per step; the summary (or --json) to stdout."""
    import json

    from orchestration.cli import freshness
    from orchestration.cli.run_progress import RunProgress
    from orchestration.run_inputs import finish_refresh, nothing_new

    progress = RunProgress(None if quiet else sys.stderr)
    progress.phase("Reading the policy and checking the warehouse is free")
    try:
        settings = prepared_settings(home)
        policy = load_policy(settings)
        from orchestration.storage.warehouse_lock import warehouse_in_use

        if settings.warehouse.name == "duckdb":  # a server's writers wait for each other
            if holder := warehouse_in_use(settings.warehouse_path):
                raise click.ClickException(f"cannot run now: {holder}")
        elif problem := settings.warehouse.problem():
            raise click.ClickException(problem)
        day = as_of.date() if as_of else local_day(now_utc(), policy.timezone)
        if not (force or full_refresh) and (last := nothing_new(settings, policy, day)):
            progress.close()
            click.echo(freshness.skipped_report(last, policy, as_json))
            sys.exit(0)
        from orchestration.cli.runner import run_pipeline

        outcome = run_pipeline(settings, day, progress=progress, verbose=verbose, full_refresh=full_refresh)
    finally:
        progress.close()
    if outcome.success:
        finish_refresh(settings, policy, outcome.run_id, now_utc())
    click.echo(json.dumps(outcome.as_dict(), default=str) if as_json else outcome.report())
    sys.exit(0 if outcome.success else 1)


@main.command("generate-demo")
@click.option("--invoices", default=2_000, show_default=True, help="How many invoices to invent.")
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same files).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The date the data set is 'today' for (default: today in the policy's time zone).")
@home_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
def generate_demo_command(invoices: int, seed: int, as_of: dt.datetime | None, home: str | None,
                          quiet: bool) -> None:
    """Write realistic inbound files into landing/ and the truth they encode into demo/truth/."""
    from orchestration.demo import generate_demo

    settings = prepared_settings(home)
    policy = load_policy(settings)
    day = as_of.date() if as_of else local_day(now_utc(), policy.timezone)
    summary = generate_demo(settings.home, policy, invoices, seed, day, progress=not quiet)
    click.echo(summary.report())


@main.command()
@click.option("--port", default=3000, show_default=True, help="Port of the Dagster UI.")
@click.option("--portal-port", default=8000, show_default=True, help="Port of the director portal.")
@click.option("--host", default="127.0.0.1", show_default=True)
@home_option
def serve(port: int, portal_port: int, host: str, home: str | None) -> None:
    """Serve the Dagster UI (schedules and sensors running) and the portal until Ctrl-C."""
    from orchestration.defs import dbt_warm
    from orchestration.defs.dbt import prepare_manifest
    from orchestration.defs.instance import prepare_dagster_home
    from portal.served import record_served_url, served_url

    settings = prepared_settings(home)
    load_policy(settings)
    # Before either child starts: a run the UI starts at once already mints links to this portal.
    record_served_url(settings.home, served_url(host, portal_port))
    prepare_dagster_home(settings.dagster_home, settings.dagster_storage_url)
    prepare_manifest()
    # The daemon's runs (one at a time) fork their dbt from one warm process, as `ledgerloop run`
    # does (`dbt_warm`): every refresh and answer loop saves dbt's import. It ends with `serve`.
    with dbt_warm.started():
        _serve_until_stopped(settings.home, host, port, portal_port)


def _answers(url: str) -> bool:
    """Whether a server answers `url` with 200 (a server on every interface, on loopback)."""
    import urllib.request

    try:
        with urllib.request.urlopen(url.replace("//0.0.0.0:", "//127.0.0.1:"), timeout=0.5) as response:
            return response.status == 200
    except OSError:
        return False


def _serve_until_stopped(home: Path, host: str, port: int, portal_port: int) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "LEDGERLOOP_HOME": str(home),
           "PATH": str(bin_dir) + os.pathsep + os.environ.get("PATH", ""),
           # `dagster dev` warns on every start that `dg dev` supersedes it (the same server)
           "PYTHONWARNINGS": ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"),
                                                    "ignore:Function `dev_command` is superseded"]))}
    commands = [
        [str(bin_dir / "dagster"), "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-h", host,
         "-p", str(port)],
        [str(bin_dir / "ledgerloop"), "portal", "--host", host, "--port", str(portal_port)],
    ]
    ui, portal = f"http://{host}:{port}", f"http://{host}:{portal_port}"
    click.echo(f"Starting the Dagster UI ({ui}) and the director portal ({portal}) ...")
    # Stop on Ctrl-C or SIGTERM even when started from a script (which leaves SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Each child in its own process group: `dagster dev` ignores signals sent otherwise.
    processes = [subprocess.Popen(c, cwd=REPO_ROOT, env=env, start_new_session=True) for c in commands]
    started, waiting = time.monotonic(), [f"{ui}/server_info", f"{portal}/healthz"]
    try:
        while all(p.poll() is None for p in processes):
            if waiting and not (waiting := [url for url in waiting if not _answers(url)]):
                click.echo(f"Ready in {time.monotonic() - started:.0f} s: Dagster UI {ui}, director portal "
                           f"{portal} (mint a link with `ledgerloop link EMAIL_OR_NAME`; Ctrl-C stops both)")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    sys.exit(max(p.returncode or 0 for p in processes))
