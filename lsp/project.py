"""Which checker runs on a document, with which settings: the project's
`[tool.sandbox-lint]` (via `sandbox_lint.config`) plus the editor's settings.

A file is checked the way `sandbox-lint check` checks it: script mode when it
matches the project's `scripts` globs (with the project's `interface` stub),
host mode otherwise; `exclude`d files are not checked; per-file ignores
apply. Documents without a file path (unsaved buffers) are host files with
the default settings. Resolutions are cached per document until `reset()`
(the configuration or a stub changed, or the editor settings did).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pygls.uris import to_fs_path

from sandbox_lint import check, check_host
from sandbox_lint.config import ConfigError, FileConfig, Resolver
from sandbox_lint.diagnostics import Diagnostic
from sandbox_lint.settings import Settings

from .options import EditorSettings

DEFAULT_FILE = FileConfig(settings=Settings(), mode="host", interface=None)

# A document whose file name matches one of these is project configuration:
# saving it re-reads the configuration and re-checks every open document.
CONFIG_FILE_NAMES = ("pyproject.toml",)
STUB_SUFFIX = ".pyi"


def path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    try:
        path = to_fs_path(uri)
    except Exception:  # a malformed URI is a document without a path
        return None
    return Path(path) if path else None


class Project:
    """Per-document `FileConfig`s from a `Resolver`, and the checks that use them."""

    def __init__(self, config_path: Path | None = None) -> None:
        self.config_path = config_path
        self.problems: list[str] = []
        self._resolver: Resolver | None = None
        self._files: dict[str, FileConfig] = {}
        self.reset()

    def reset(self) -> None:
        """Forget every cached configuration (read again on the next check)."""
        self._files.clear()
        self.problems = []
        try:
            self._resolver = Resolver(config_path=self.config_path)
        except ConfigError as error:
            self.problems.append(f"{error} — checking with the default settings")
            self._resolver = None

    def file_config(self, uri: str) -> FileConfig:
        cached = self._files.get(uri)
        if cached is not None:
            return cached
        path = path_of(uri)
        config = DEFAULT_FILE
        if path is not None and self._resolver is not None:
            try:
                config = self._resolver.resolve(path)
            except ConfigError as error:
                self.problems.append(f"{error} — checking {path.name} with the default settings")
            except OSError as error:
                self.problems.append(f"cannot read the configuration for {path.name}: {error}")
        self._files[uri] = config
        return config

    def forget(self, uri: str) -> None:
        self._files.pop(uri, None)

    def take_problems(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems

    def checker(self, uri: str, editor: EditorSettings) -> Callable[[str], list[Diagnostic]]:
        """The check for this document's text, as `sandbox_lint.fixes.apply_fixes` takes it."""
        config = self.file_config(uri)
        if config.excluded:
            return lambda text: []
        settings = editor.apply_to(config.settings)
        path = path_of(uri)
        filename = str(path) if path is not None else None
        keep = config.keep if config.per_file_ignores else None

        def run(text: str) -> list[Diagnostic]:
            if config.mode == "script":
                found = check(text, interface=config.interface, settings=settings)
            else:
                found = check_host(text, settings=settings, filename=filename)
            return found if keep is None else [d for d in found if keep(d.code)]

        return run

    def mode(self, uri: str) -> str:
        config = self.file_config(uri)
        return "excluded" if config.excluded else config.mode


def is_config_document(uri: str) -> bool:
    path = path_of(uri)
    return path is not None and (path.name in CONFIG_FILE_NAMES or path.suffix == STUB_SUFFIX)
