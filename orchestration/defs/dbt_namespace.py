"""dbt's macro namespace for each Jinja context, built package by package instead of macro by macro.

dbt makes a context for every node it compiles and runs, and for every macro an adapter executes
(`get_relation`, `rename_relation`, ...): ~500 contexts in a `dbt build` of the 5,000-invoice demo.
Each gets a namespace of all 680 macros, one `MacroGenerator` each, sorted into packages, the root
package and the node's package one macro at a time; then `to_dict` flattens it into the context by
looking every name up again along the namespace's search order. That took ~2 s of a 6 s build's
nodes on this machine. `install()` builds the same namespace a package at a time and flattens it
by layering the search order from last to first, so each name ends with what the lookup finds.

Written against dbt-core's `MacroNamespaceBuilder`, `MacroNamespace` and `ManifestContext`, which
`uv.lock` pins; tests/orchestration/defs/test_dbt_namespace.py compares both on the pinned versions.
"""

from __future__ import annotations

from typing import Any

from dbt.clients.jinja import MacroGenerator
from dbt.context.macros import MacroNamespace, MacroNamespaceBuilder
from dbt.context.manifest import ManifestContext
from dbt.include.global_project import PROJECT_NAME as GLOBAL_PROJECT_NAME

_build_one_by_one = MacroNamespaceBuilder.build_namespace  # dbt's own, which the tests compare with
_to_dict_by_lookup = ManifestContext.to_dict


def build_namespace(self: MacroNamespaceBuilder, macros_by_package: dict[str, dict[str, Any]],
                    ctx: dict[str, Any]) -> MacroNamespace:
    """`MacroNamespaceBuilder.build_namespace`, a package at a time (the manifest's macros come
    keyed by package, then by name, so no name can be there twice)."""
    node, stack = self.node, self.thread_ctx
    for package, macros in macros_by_package.items():
        generators = {name: MacroGenerator(macro, ctx, node, stack) for name, macro in macros.items()}
        if package in self.internal_package_names:
            self.internal_packages[package] = generators
            continue
        self.packages[package] = generators
        if package == self.search_package:
            self.locals.update(generators)
        elif package == self.root_package:
            self.globals.update(generators)
    global_project_namespace: dict[str, MacroGenerator] = {}
    for package in reversed(self.internal_package_names_order):  # the first listed wins
        global_project_namespace.update(self.internal_packages.get(package, {}))
    return MacroNamespace(
        global_namespace=self.globals,
        local_namespace=self.locals,
        global_project_namespace=global_project_namespace,
        packages=self.packages,
    )


def flattened(namespace: MacroNamespace) -> dict[str, Any]:
    """What `dict(namespace)` gives: each name with the first match along the search order
    (the node's package, the root package, packages by name, `dbt`, the internal packages)."""
    flat = dict(namespace.global_project_namespace)
    flat[GLOBAL_PROJECT_NAME] = namespace.global_project_namespace
    flat.update(namespace.packages)
    flat.update(namespace.global_namespace)
    flat.update(namespace.local_namespace)
    return flat


def to_dict(self: ManifestContext) -> dict[str, Any]:
    """`ManifestContext.to_dict`, the macros flattened in one pass (`flattened`)."""
    if type(self.namespace) is not MacroNamespace:  # a unit test's namespace: dbt's own way
        return _to_dict_by_lookup(self)
    context = super(ManifestContext, self).to_dict()
    context.update(flattened(self.namespace))
    return context


def install() -> None:
    """Build and flatten macro namespaces a package at a time, for the rest of the process."""
    MacroNamespaceBuilder.build_namespace = build_namespace
    ManifestContext.to_dict = to_dict
