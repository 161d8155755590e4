"""dbt's Jinja templates compiled once and kept between runs, beside dbt's other artifacts.

Every dbt process compiles each model's, test's and macro's Jinja source to Python again, though
the sources rarely change between runs: a quarter of dbt's own Python per node once debug events
are gone (`dbt_events`), about a second of a build of the 5,000-invoice demo. `install()` keeps
Jinja's compiled code under a digest of the source and of all else that shapes it (the
environment's class, extensions, filters, tests and syntax; dbt's, Jinja's and Python's
versions) in `jinja_code.marshal` in dbt's target folder. A process writes the file back with the
templates it used, so it holds one project's templates and no more; an unreadable file is
compiled over.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import marshal
import os
import sys
from pathlib import Path
from types import CodeType

import jinja2
from dbt_common.clients import jinja as dbt_jinja

CACHE_FILE = "jinja_code.marshal"

_compile = dbt_jinja.MacroFuzzEnvironment.compile


def _versions() -> tuple[str, ...]:
    """Of the code that parses and compiles dbt's templates: dbt's Jinja environments, their
    extensions and filters (some compile to code that calls them), Jinja and Python."""
    return (*(importlib.metadata.version(package) for package in ("dbt-common", "dbt-core", "Jinja2")),
            sys.version)


def _shape(environment: jinja2.Environment, versions: tuple[str, ...]) -> bytes:
    """What besides a template's source decides the code Jinja compiles it to."""
    kind = type(environment)
    return repr((
        kind.__module__, kind.__qualname__, sorted(environment.extensions),
        environment.code_generator_class.__qualname__,
        environment.block_start_string, environment.block_end_string,
        environment.variable_start_string, environment.variable_end_string,
        environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix,
        environment.trim_blocks, environment.lstrip_blocks, environment.newline_sequence,
        environment.keep_trailing_newline, environment.optimized, environment.autoescape,
        environment.finalize, environment.is_async, sorted(environment.filters),
        sorted(environment.tests), versions,
    )).encode()


class CompiledTemplates:
    """Compiled code by digest: the ones read from `path`, and the ones this process used."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.versions = _versions()
        self.stored = self._read()
        self.used: dict[bytes, CodeType] = {}

    def _read(self) -> dict[bytes, bytes]:
        try:
            stored = marshal.loads(self.path.read_bytes()) if self.path else {}
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        return stored if isinstance(stored, dict) else {}

    def code(self, environment: jinja2.Environment, source: str, name: str | None,
             filename: str | None, defer_init: bool) -> CodeType:
        key = hashlib.blake2b(
            b"\0".join([_shape(environment, self.versions), repr((name, filename, defer_init)).encode(),
                        source.encode("utf-8", "surrogatepass")]),
            digest_size=16,
        ).digest()
        code = self.used.get(key)
        if code is None:
            kept = self.stored.get(key)
            code = marshal.loads(kept) if kept is not None else _compile(
                environment, source, name, filename, False, defer_init)
            self.used[key] = code
        return code

    def save(self) -> None:
        """Write the templates this process used, when they differ from the ones read."""
        if self.path is None or self.used.keys() == self.stored.keys():
            return
        kept = {key: self.stored.get(key) or marshal.dumps(code) for key, code in self.used.items()}
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            partial.write_bytes(marshal.dumps(kept))
            os.replace(partial, self.path)
        except OSError:
            partial.unlink(missing_ok=True)  # a read-only target: compiled again next time


def install(path: Path | None) -> CompiledTemplates:
    """Compile dbt's templates through a `CompiledTemplates` kept in `path` (None: this process
    only). Macro debugging (`DBT_MACRO_DEBUGGING`) compiles as dbt does."""
    templates = CompiledTemplates(path)

    def compile_kept(environment, source, name=None, filename=None, raw=False, defer_init=False):
        if raw or not isinstance(source, str) or dbt_jinja.MACRO_DEBUGGING:
            return _compile(environment, source, name, filename, raw, defer_init)
        return templates.code(environment, source, name, filename, defer_init)

    dbt_jinja.MacroFuzzEnvironment.compile = compile_kept
    return templates
