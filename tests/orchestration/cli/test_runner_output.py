"""Where dbt's own lines go during `ledgerloop run`: dropped (dbt keeps its log file), or on
stderr with `--verbose`; never on stdout, which carries the summary."""

from __future__ import annotations

import sys

from orchestration.cli.runner import _dbt_output


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
