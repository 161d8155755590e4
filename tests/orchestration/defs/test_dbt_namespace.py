"""The macro namespace built a package at a time is dbt's own, name for name (on the dbt-core that
uv.lock pins): the same generators in the same places, and the same flattened context."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from dbt.clients.jinja import MacroStack
from dbt.context.macros import MacroNamespace, MacroNamespaceBuilder

from orchestration.defs import dbt_namespace

INTERNAL = ["dbt_duckdb", "dbt_postgres", "dbt"]


@dataclass(frozen=True)
class Macro:
    package_name: str
    name: str

    @property
    def unique_id(self) -> str:
        return f"macro.{self.package_name}.{self.name}"


def _macros() -> dict[str, dict[str, Macro]]:
    """Names that several packages define, as a project overrides dbt's and an adapter's macros."""
    names = {
        "dbt": ["ref", "source", "get_relation", "create_table_as", "dbt"],
        "dbt_postgres": ["create_table_as", "postgres__get_columns"],
        "dbt_duckdb": ["create_table_as", "get_relation", "duckdb__drop"],
        "ledgerloop": ["create_table_as", "money_text", "policy_int", "dbt_utils"],
        "dbt_utils": ["money_text", "star", "ref"],
    }
    return {package: {name: Macro(package, name) for name in found} for package, found in names.items()}


def _what(value):
    """A generator as the macro and context it binds; a package as its names' macros."""
    if isinstance(value, dict):
        return {name: _what(inner) for name, inner in value.items()}
    return (value.macro, id(value.context), value.node, id(value.stack))


def _shape(namespace: MacroNamespace) -> dict:
    return {part: _what(getattr(namespace, part)) for part in
            ("global_namespace", "local_namespace", "global_project_namespace", "packages")}


@pytest.mark.parametrize("search_package", ["ledgerloop", "dbt_utils", "dbt", "dbt_duckdb"])
def test_the_namespace_is_dbt_s_own(search_package):
    ctx, stack, node = {}, MacroStack(), object()

    def builder():
        return MacroNamespaceBuilder("ledgerloop", search_package, stack, INTERNAL, node)

    theirs = dbt_namespace._build_one_by_one(builder(), _macros(), ctx)
    ours = dbt_namespace.build_namespace(builder(), _macros(), ctx)
    assert _shape(ours) == _shape(theirs)
    assert _what(dbt_namespace.flattened(ours)) == _what(dict(theirs))
    # what the lookups find where packages overlap: the node's package, then the project's, then
    # a package by its name, then the adapter's over dbt's
    flat = dbt_namespace.flattened(ours)
    assert flat["create_table_as"].macro == Macro("ledgerloop", "create_table_as")
    assert flat["ref"].macro == Macro("dbt_utils" if search_package == "dbt_utils" else "dbt", "ref")
    assert flat["get_relation"].macro == Macro("dbt_duckdb", "get_relation")
    assert flat["dbt_utils"].macro == Macro("ledgerloop", "dbt_utils")
    assert flat["dbt"] is ours.global_project_namespace


def test_install_swaps_in_both(monkeypatch):
    from dbt.context.manifest import ManifestContext

    monkeypatch.setattr(MacroNamespaceBuilder, "build_namespace", MacroNamespaceBuilder.build_namespace)
    monkeypatch.setattr(ManifestContext, "to_dict", ManifestContext.to_dict)  # both put back after
    dbt_namespace.install()
    assert MacroNamespaceBuilder.build_namespace is dbt_namespace.build_namespace
    assert ManifestContext.to_dict is dbt_namespace.to_dict
