"""A home's dbt partial-parse state is dropped once the project's manifest is newer than it (the
project changed since that home's last run), and kept otherwise."""

import os

from orchestration.defs.dbt import PARTIAL_PARSE_FILE, forget_stale_parse


def written(path, at: float):
    path.write_bytes(b"x")
    os.utime(path, (at, at))
    return path


def test_parse_state_older_than_the_project_s_manifest_is_dropped(tmp_path):
    state = written(tmp_path / PARTIAL_PARSE_FILE, 1_000)
    forget_stale_parse(tmp_path, written(tmp_path / "manifest.json", 2_000))
    assert not state.exists()


def test_parse_state_newer_than_the_manifest_is_kept(tmp_path):
    state = written(tmp_path / PARTIAL_PARSE_FILE, 3_000)
    forget_stale_parse(tmp_path, written(tmp_path / "manifest.json", 2_000))
    assert state.exists()


def test_without_a_manifest_the_state_is_kept(tmp_path):
    state = written(tmp_path / PARTIAL_PARSE_FILE, 1_000)
    forget_stale_parse(tmp_path, tmp_path / "manifest.json")
    assert state.exists()
