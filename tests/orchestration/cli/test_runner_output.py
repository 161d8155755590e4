"""Where dbt's own lines go during `ledgerloop run`: dropped (dbt keeps its log file), or on
stderr with `--verbose`; never on stdout, which carries the summary. And the warm dbt process's
end once the run's dbt steps are done."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from orchestration.cli.runner import _dbt_output, _ending_after


def test_dbt_lines_are_dropped_unless_verbose(capsys):
    with _dbt_output(verbose=False):
        sys.stdout.write("1 of 304 START sql table model marts.ar_ledger ... [RUN]\n")
    assert capsys.readouterr() == ("", "")


def test_dbt_lines_go_to_stderr_when_verbose(capsys):
    with _dbt_output(verbose=True):
        sys.stdout.write("1 of 304 START sql table model marts.ar_ledger ... [RUN]\n")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "1 of 304 START sql table model marts.ar_ledger ... [RUN]\n"


class _WarmDbt:
    ended = False

    def end(self) -> None:
        self.ended = True


def _step(event_type: str, step_key: str) -> SimpleNamespace:
    return SimpleNamespace(step_key=step_key, dagster_event=SimpleNamespace(event_type_value=event_type))


def test_the_warm_dbt_process_ends_once_every_dbt_step_has_ended():
    warm_dbt = _WarmDbt()
    hear = _ending_after(["ledgerloop_dbt_models", "ledgerloop_dbt_models_2"], warm_dbt)
    hear(_step("STEP_START", "ledgerloop_dbt_models"))
    hear(_step("STEP_SUCCESS", "salesforce__invoices"))
    hear(_step("STEP_SUCCESS", "ledgerloop_dbt_models"))
    hear(SimpleNamespace(step_key=None, dagster_event=None))  # a log line
    assert not warm_dbt.ended  # the second part still to run (PostgreSQL)
    hear(_step("STEP_FAILURE", "ledgerloop_dbt_models_2"))
    assert warm_dbt.ended
