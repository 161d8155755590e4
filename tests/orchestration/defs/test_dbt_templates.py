"""dbt's Jinja templates are compiled once and kept in dbt's target folder: a later process
renders the same text without compiling, a changed source or environment compiles anew, and the
file holds only what the last process used."""

from __future__ import annotations

import marshal
import os
import subprocess

import pytest
from dbt_common.clients import jinja as dbt_jinja

from orchestration.defs import dbt_templates
from tests.orchestration.defs.test_dbt_process import BIN, _tiny_project

SOURCE = "{% set n = 6 * 7 %}select {{ n }} as answer{% for c in ['a', 'b'] %}, '{{ c }}'{% endfor %}"


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The sources Jinja really compiled; dbt's compile put back after the test."""
    compiled: list[str] = []
    original = dbt_templates._compile

    def counting(environment, source, *args):
        compiled.append(source)
        return original(environment, source, *args)

    monkeypatch.setattr(dbt_templates, "_compile", counting)
    monkeypatch.setattr(dbt_jinja.MacroFuzzEnvironment, "compile", dbt_jinja.MacroFuzzEnvironment.compile)
    return compiled


def _render(source: str, native: bool = False) -> str:
    return dbt_jinja.get_environment(native=native).from_string(source).render({})


def test_a_later_process_renders_without_compiling(tmp_path, compiles):
    kept = tmp_path / dbt_templates.CACHE_FILE
    first = dbt_templates.install(kept)
    text = _render(SOURCE)
    _render(SOURCE)
    first.save()
    assert compiles == [SOURCE]

    compiles.clear()
    dbt_templates.install(kept)
    assert _render(SOURCE) == text == "select 42 as answer, 'a', 'b'"
    assert compiles == []


def test_a_changed_source_or_environment_compiles_anew(tmp_path, compiles):
    dbt_templates.install(tmp_path / dbt_templates.CACHE_FILE)
    _render(SOURCE)
    _render(SOURCE, native=True)
    _render(SOURCE + " ")
    assert compiles == [SOURCE, SOURCE, SOURCE + " "]


def _kept(path) -> dict:
    return marshal.loads(path.read_bytes())


def test_the_file_holds_what_the_last_process_used(tmp_path, compiles):
    kept = tmp_path / dbt_templates.CACHE_FILE
    earlier = dbt_templates.install(kept)
    _render(SOURCE)
    _render("select 1")
    earlier.save()
    assert len(_kept(kept)) == 2

    later = dbt_templates.install(kept)
    _render("select 1")
    later.save()
    assert len(_kept(kept)) == 1
    assert compiles == [SOURCE, "select 1"]


@pytest.mark.parametrize("damage", [b"\x00not marshal", b""])
def test_an_unreadable_file_is_compiled_over(tmp_path, compiles, damage):
    kept = tmp_path / dbt_templates.CACHE_FILE
    kept.write_bytes(damage)
    templates = dbt_templates.install(kept)
    assert _render(SOURCE) == "select 42 as answer, 'a', 'b'"
    templates.save()
    assert len(_kept(kept)) == 1


def test_ledgerloop_dbt_keeps_its_templates_in_the_target_folder(tmp_path):
    project = _tiny_project(tmp_path / "tiny", "select 42 as answer")
    target = tmp_path / "target"

    def build() -> None:
        subprocess.run(
            [BIN / "ledgerloop-dbt", "build", "--project-dir", project, "--profiles-dir", project],
            capture_output=True, cwd=project, check=True,
            env={"PATH": str(BIN), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_TARGET_PATH": str(target)},
        )

    build()
    build()  # the model is there now: dbt replaces it, with other macros than its first build
    kept = target / dbt_templates.CACHE_FILE
    assert len(_kept(kept)) > 10  # the model and dbt's macros it ran
    written = kept.stat().st_mtime_ns - 10**9
    os.utime(kept, ns=(written, written))
    build()
    assert kept.stat().st_mtime_ns == written  # the same templates, none new: not written again
