"""The `ledgerloop` group imports each subcommand when it is used, and still lists them all."""

import click
from click.testing import CliRunner

from orchestration.cli import LAZY_COMMANDS, main


def test_every_lazily_loaded_command_answers_to_its_name():
    context = click.Context(main)
    assert {name: main.get_command(context, name).name for name in LAZY_COMMANDS} == {
        name: name for name in LAZY_COMMANDS}


def test_help_lists_every_command():
    listed = CliRunner().invoke(main, ["--help"]).output
    assert all(f"  {name} " in listed for name in [*LAZY_COMMANDS, "run", "serve", "generate-demo"])
