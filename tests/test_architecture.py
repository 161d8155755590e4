"""The house rules, read from the source: arrows point one way, only a run's edge reads a clock,
and no file or function grows past what a newcomer can read at once (README, Architecture)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE_LOCATION = ("orchestration.defs", "orchestration.definitions", "orchestration.cli")
"""The Dagster wiring and the command line: nothing below them may import them."""
EDGES = ("orchestration/cli/", "orchestration/defs/automation/schedules.py", "orchestration/runtime.py")
"""Where a run's facts are resolved: the only places that may read the clock."""
NOT_RUN_FACTS = {
    "notifications/draft_index.py": "compares folder modification times with the file system's own "
    "clock, to tell a folder written in the same tick (elapsed time, not a run's day or moment)",
}
"""Reads of the clock that are no run's facts, each with its reason."""
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
"""What a newcomer reads at once: a file in one sitting, a function on one screen."""
CLOCKS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
          ("time", "time"), ("time", "time_ns")}


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def domain_files() -> list[Path]:
    """orchestration/ below the wiring and the CLI: the domain, the policy, storage."""
    return [p for p in python_files("orchestration")
            if not relative(p).startswith(("orchestration/defs/", "orchestration/cli/"))
            and relative(p) != "orchestration/definitions.py"]


def offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    """`file imports module` for each import of a forbidden module or anything inside one."""
    inside = tuple(f"{f}." for f in forbidden)
    return [f"{relative(p)} imports {m}" for p in files for m in sorted(imported_modules(p))
            if m in forbidden or m.startswith(inside)]


def test_the_portal_notifications_and_dbt_models_never_import_the_code_location():
    files = python_files("portal", "notifications", "dbt_project/models")
    assert files, "nothing was read"
    assert offenders(files, CODE_LOCATION) == []


def test_the_portal_never_imports_orchestration():
    assert offenders(python_files("portal"), ("orchestration",)) == []


def test_the_domain_imports_neither_dagster_nor_the_code_location():
    files = domain_files()
    assert len(files) > 50
    assert offenders(files, ("dagster", "dagster_dbt", *CODE_LOCATION)) == []


def test_the_wiring_never_imports_the_cli():
    assert offenders(python_files("orchestration/defs"), ("orchestration.cli",)) == []


def top_level_imports(path: Path) -> set[str]:
    """Modules a file imports when it is loaded (not those imported inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return ({node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 0}
            | {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names})


def test_collecting_the_tests_needs_no_dbt_manifest():
    """A clean clone has no dbt manifest until a fixture runs `dbt parse`: a test module that
    loads the dbt assets when it is collected stops the whole suite there (CI did, once)."""
    ours = ("orchestration", "portal", "notifications", "tests")
    modules = sorted({m for p in python_files("tests") for m in top_level_imports(p)
                      if m.split(".")[0] in ours})
    script = ("import importlib, sys\n"
              f"for name in {modules!r}: importlib.import_module(name)\n"
              "print(sorted(m for m in sys.modules if m.startswith(('orchestration.defs.transform.assets', "
              "'orchestration.definitions'))))")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    assert len(modules) > 50
    assert loaded == "[]"


def test_a_run_loads_printing_and_the_salesforce_client_only_when_it_uses_them():
    """fpdf2 (~0.4 s) and simple-salesforce (~0.2 s) were imported by every run that loaded the
    definitions; a run prints only when statements or letters are due, and reaches an org only
    when SALESFORCE_* is set."""
    script = ("import sys, orchestration.definitions\n"
              "print(sorted(m for m in ('fpdf', 'simple_salesforce', 'zeep') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"


def clock_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in CLOCKS:
                found.append(f"{relative(path)}:{node.lineno} {name}.{node.func.attr}()")
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "now_utc":
            found.append(f"{relative(path)}:{node.lineno} now_utc()")
    return found


def test_only_the_runs_edge_reads_a_clock():
    files = python_files("orchestration", "notifications", "dbt_project/models")
    calls = [c for p in files if not relative(p).startswith(EDGES) and relative(p) not in NOT_RUN_FACTS
             for c in clock_calls(p)]
    assert calls == []


def test_the_edges_read_the_clock_through_runtime_only():
    calls = [c for p in python_files("orchestration") if relative(p).startswith(EDGES)
             and relative(p) != "orchestration/runtime.py" for c in clock_calls(p)]
    assert all(c.endswith("now_utc()") for c in calls), calls


@pytest.mark.parametrize("folder", ["dbt_project/models", "dbt_project/macros"])
def test_dbt_never_reads_the_databases_clock(folder):
    words = ("current_date", "current_timestamp", "now()", "today()", "get_current_timestamp")
    hits = [f"{relative(p)}: {w}" for p in sorted((ROOT / folder).rglob("*.sql"))
            for w in words if w in p.read_text(encoding="utf-8").lower()]
    assert hits == []


def test_no_source_file_is_longer_than_a_newcomer_reads_at_once():
    long = [f"{relative(p)}: {n} lines" for p in python_files("orchestration", "portal", "notifications")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES]
    assert long == []


def test_no_function_is_longer_than_a_screen():
    long = []
    for path in python_files("orchestration", "portal", "notifications"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{relative(path)}:{node.lineno} {node.name}: {lines} lines")
    assert long == []
