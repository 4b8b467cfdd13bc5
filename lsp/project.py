"""Which checker runs on a document, with which settings: the project's
`[tool.sandbox-lint]` plus the editor's settings, both through `sandbox_lint.config`.

A file is checked exactly as `sandbox-lint check` checks it: script mode when
it matches the project's `scripts` globs (with the project's `interface` stub),
host mode otherwise; `exclude`d files are not checked; per-file ignores apply.
The editor's `select` and `ignore` layer on the project's like the command
line's `--select` and `--ignore` (a non-empty `select` starts over; `ignore`
adds). Documents without a file path (unsaved buffers) are host files with the
settings of the server's working folder. Resolutions are cached per document
until `reset()` (the configuration, a stub or the editor settings changed).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from pygls.uris import to_fs_path

from sandbox_lint.config import ConfigError, FileConfig, Overrides, Resolver
from sandbox_lint.diagnostics import Diagnostic
from sandbox_lint.settings import Settings

from .options import EditorSettings

DEFAULT_FILE = FileConfig(settings=Settings(), mode="host", interface=None)

# Saving or changing one of these re-reads the configuration and re-checks every open document.
CONFIG_FILE_NAMES = ("pyproject.toml",)
STUB_SUFFIX = ".pyi"
UNSAVED = "<unsaved>.py"


def path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    try:
        path = to_fs_path(uri)
    except Exception:  # a malformed URI is a document without a path
        return None
    return Path(path) if path else None


def _no_findings(text: str) -> list[Diagnostic]:
    return []


class Project:
    """Per-document `FileConfig`s from a `Resolver`, and the checks that use them."""

    def __init__(self, config_path: Path | None = None) -> None:
        self.config_path = config_path
        self.overrides = Overrides()
        self.problems: list[str] = []
        self._resolver: Resolver | None = None
        self._files: dict[str, FileConfig] = {}
        self.reset()

    def configure(self, editor: EditorSettings) -> None:
        """Take the editor's select/ignore (the command line's --select/--ignore)."""
        overrides = Overrides(select=editor.select or None, ignore=editor.ignore or None)
        if overrides != self.overrides:
            self.overrides = overrides
            self.reset()

    def reset(self) -> None:
        """Forget every cached configuration (read again on the next check)."""
        self._files.clear()
        self.problems = []
        try:
            self._resolver = Resolver(config_path=self.config_path, overrides=self.overrides)
        except ConfigError as error:
            self.problems.append(f"{error} — checking with the default settings")
            self._resolver = None

    def file_config(self, uri: str) -> FileConfig:
        cached = self._files.get(uri)
        if cached is not None:
            return cached
        path = path_of(uri)
        config = DEFAULT_FILE
        if self._resolver is not None:
            try:
                if path is not None:
                    config = self._resolver.resolve(path)
                else:
                    unsaved = self._resolver.resolve(Path.cwd() / UNSAVED)
                    config = dataclasses.replace(unsaved, mode="host", interface=None, excluded=False)
            except ConfigError as error:
                name = path.name if path is not None else uri
                self.problems.append(f"{error} — checking {name} with the default settings")
            except OSError as error:
                self.problems.append(f"cannot read the configuration for {uri}: {error}")
        self._files[uri] = config
        return config

    def forget(self, uri: str) -> None:
        self._files.pop(uri, None)

    def take_problems(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems

    def checker(self, uri: str) -> Callable[[str], list[Diagnostic]]:
        """The check for this document's text, as `sandbox_lint.fixes.apply_fixes` takes it."""
        config = self.file_config(uri)
        return _no_findings if config.excluded else config.check

    def mode(self, uri: str) -> str:
        config = self.file_config(uri)
        return "excluded" if config.excluded else config.mode


def is_config_document(uri: str) -> bool:
    path = path_of(uri)
    return path is not None and (path.name in CONFIG_FILE_NAMES or path.suffix == STUB_SUFFIX)
