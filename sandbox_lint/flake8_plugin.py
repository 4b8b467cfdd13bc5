"""flake8 plugin (entry point `SBX`): the checker's findings as flake8 results.

`flake8 --select SBX` reports what `sandbox-lint check` reports on the same
file: the configuration is resolved the same way (`[tool.sandbox-lint]` in
the nearest pyproject.toml, script mode for its `scripts` globs), then the
same core runs. flake8 applies `# noqa` itself (so `--disable-noqa` works),
and reports unparsable files as its own E999 before any plugin runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from . import __version__
from .config import ConfigError, FileConfig, Overrides, Resolver

Result = tuple[int, int, str, type]

_resolver: Resolver | None = None


def _file_config(filename: str) -> FileConfig:
    global _resolver
    if _resolver is None:
        _resolver = Resolver(overrides=Overrides(honor_noqa=False))
    if filename in ("stdin", "-", ""):
        return _resolver.resolve(Path.cwd())
    return _resolver.resolve(Path(filename))


class SandboxLintPlugin:
    """flake8 asks for `tree` to run us as an AST plugin; we read the text from `lines`."""

    name: ClassVar[str] = "sandbox-lint"
    version: ClassVar[str] = __version__

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[Result]:
        try:
            fc = _file_config(self.filename)
        except ConfigError as exc:
            yield 1, 0, f"SBX000 configuration error: {exc}", type(self)
            return
        if fc.excluded:
            return
        for d in fc.check("".join(self.lines)):
            yield d.line, d.column - 1, f"{d.code} {d.message}", type(self)
