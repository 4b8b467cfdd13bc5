"""Project configuration: `[tool.sandbox-lint]` in the nearest `pyproject.toml`.

    [tool.sandbox-lint]
    select = ["SBX"]                    # codes or prefixes
    extend-select = []                  # added to select
    ignore = ["SBX105"]
    scripts = ["flows/**/*.py"]         # files checked in script mode
    interface = "flows/tasks.pyi"       # their interface stub
    exclude = ["generated/**"]          # never checked
    extend-exclude = ["vendored"]       # added to exclude
    [tool.sandbox-lint.per-file-ignores]
    "legacy/*.py" = ["SBX103"]
    [tool.sandbox-lint.limits]
    max-bytes = 1_000_000
    max-depth = 200

A file's configuration comes from the nearest `pyproject.toml` above it that
has a `[tool.sandbox-lint]` table (or from `--config`). Globs are relative to
that file's folder; a glob without `/` matches the file name in any folder.
Every mistake is a `ConfigError` naming the file, the key and the fix.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from .checker import Report, check_host_report, check_report
from .diagnostics import Diagnostic
from .interface import Interface, StubError, parse_stub
from .rules import RULES_BY_CODE
from .settings import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_UNITS, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

Mode = Literal["script", "host"]

SECTION = "[tool.sandbox-lint]"
KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "scripts", "interface", "exclude", "extend-exclude", "limits",
)
LIMIT_KEYS = ("max-bytes", "max-depth", "max-units")


class ConfigError(Exception):
    """Configuration that cannot be used: a clear one-line message, exit code 2."""


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


# ---------------------------------------------------------------- codes


ALL = "ALL"
"""Every rule, as in ruff: the empty prefix, so it is the least specific
selector (`select = ["ALL"]` with `ignore = ["SBX6"]` drops SBX6xx)."""


def validate_codes(values: Iterable[str], where: str) -> tuple[str, ...]:
    """Upper-case rule codes or prefixes (`SBX1`), each matching some rule; `ALL` is every rule."""
    codes = []
    for value in values:
        code = value.strip().upper()
        if not code:
            continue
        if code == ALL:
            codes.append("")
            continue
        if not re.fullmatch(r"[A-Z]+[0-9]*", code) or not any(known.startswith(code) for known in RULES_BY_CODE):
            raise ConfigError(f"{where}: unknown rule code or prefix `{value}`{_suggest(code, [*RULES_BY_CODE, ALL])}")
        codes.append(code)
    return tuple(codes)


def split_codes(text: str) -> list[str]:
    """`SBX1,SBX205` (the command line's comma lists) → codes."""
    return [part for part in re.split(r"[,\s]+", text) if part]


# ---------------------------------------------------------------- globs


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-like: `*` and `?` stay inside one folder, `**` spans folders."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + "(?:/.*)?")  # a folder pattern covers what is inside


@dataclass(frozen=True)
class Glob:
    pattern: str
    regex: re.Pattern[str] = field(compare=False)

    @classmethod
    def parse(cls, pattern: str) -> Glob:
        text = pattern.replace("\\", "/").removeprefix("./").rstrip("/")
        return cls(pattern, _glob_regex(text))

    def matches(self, relative: str) -> bool:
        """`relative` is a posix path from the config's folder."""
        if "/" not in self.pattern.rstrip("/"):
            return any(self.regex.fullmatch(part) for part in relative.split("/"))
        return self.regex.fullmatch(relative) is not None


# ---------------------------------------------------------------- the file


@dataclass(frozen=True)
class ProjectConfig:
    """One `[tool.sandbox-lint]` table, validated. `path` is None for the defaults."""

    path: Path | None = None
    select: tuple[str, ...] = ("",)  # ALL: so that `ignore = ["ALL"]` alone ignores everything
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[Glob, tuple[str, ...]], ...] = ()
    scripts: tuple[Glob, ...] = ()
    exclude: tuple[Glob, ...] = ()
    interface_path: Path | None = None
    interface: Interface | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_units: int = DEFAULT_MAX_UNITS

    @property
    def root(self) -> str:
        """The folder globs are relative to (absolute, not symlink-resolved)."""
        return os.path.dirname(str(self.path)) if self.path is not None else os.getcwd()

    def relative(self, path: str | os.PathLike[str]) -> str | None:
        """`path` relative to the config's folder (posix), or None when outside it.

        String operations only (no symlink resolution): this runs for every file.
        """
        absolute = os.path.abspath(path)
        root = self.root
        if absolute == root:
            return ""
        prefix = root if root.endswith(os.sep) else root + os.sep
        if not absolute.startswith(prefix):
            return None
        relative = absolute[len(prefix) :]
        return relative.replace(os.sep, "/") if os.sep != "/" else relative

    def is_script(self, path: str | os.PathLike[str]) -> bool:
        return self._matches(self.scripts, self.relative(path))

    def is_excluded(self, path: str | os.PathLike[str]) -> bool:
        return self._matches(self.exclude, self.relative(path))

    def ignored_for(self, path: str | os.PathLike[str]) -> tuple[str, ...]:
        return self._ignored(self.relative(path))

    @staticmethod
    def _matches(globs: tuple[Glob, ...], relative: str | None) -> bool:
        return relative is not None and any(glob.matches(relative) for glob in globs)

    def _ignored(self, relative: str | None) -> tuple[str, ...]:
        if relative is None:
            return ()
        return tuple(code for glob, codes in self.per_file_ignores if glob.matches(relative) for code in codes)


def _where(path: Path, key: str | None = None) -> str:
    section = SECTION if key is None else f"{SECTION} `{key}`"
    return f"{_display(path)}: {section}"


def _string_list(value: Any, path: Path, key: str) -> list[str]:
    if isinstance(value, str):
        raise ConfigError(f"{_where(path, key)} must be a list of strings, e.g. {key} = [\"{value}\"]")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{_where(path, key)} must be a list of strings, got {_toml_type(value)}")
    return value


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list" if all(isinstance(v, str) for v in value) else "a list with non-string items"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _limit(value: Any, path: Path, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{_where(path, f'limits.{key}')} must be a positive integer, got {_toml_type(value)} {value!r}")
    return value


def load_interface(stub: Path, *, origin: str) -> Interface:
    """Read and parse an interface stub; errors name the stub and who pointed at it."""
    try:
        text = stub.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{origin}: interface stub `{_display(stub)}` does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{origin}: cannot read interface stub `{_display(stub)}`: {reason}") from None
    try:
        return parse_stub(text)
    except StubError as exc:
        raise ConfigError(f"{_display(stub)}: invalid interface stub: {exc}") from None


def read_table(path: Path) -> dict[str, Any] | None:
    """The `[tool.sandbox-lint]` table of a pyproject.toml, or None when it has none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{_display(path)}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{_display(path)}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_display(path)}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    if not isinstance(tool, dict) or "sandbox-lint" not in tool:
        return None
    table = tool["sandbox-lint"]
    if not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: {SECTION} must be a table, got {_toml_type(table)}")
    return table


def parse_table(table: dict[str, Any], path: Path) -> ProjectConfig:
    """Validate a `[tool.sandbox-lint]` table read from `path`."""
    for key in table:
        if key not in KEYS:
            raise ConfigError(f"{_display(path)}: {SECTION} unknown key `{key}`{_suggest(key, KEYS)}")
    config = ProjectConfig(path=path)
    if "select" in table:
        config = replace(config, select=validate_codes(_string_list(table["select"], path, "select"), _where(path, "select")))
    if "extend-select" in table:
        extra = validate_codes(_string_list(table["extend-select"], path, "extend-select"), _where(path, "extend-select"))
        config = replace(config, select=config.select + extra)
    if "ignore" in table:
        config = replace(config, ignore=validate_codes(_string_list(table["ignore"], path, "ignore"), _where(path, "ignore")))
    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict):
            raise ConfigError(
                f"{_where(path, 'per-file-ignores')} must be a table of glob = [codes], "
                f"e.g. [tool.sandbox-lint.per-file-ignores] \"legacy/*.py\" = [\"SBX103\"]"
            )
        pairs = []
        for pattern, codes in value.items():
            key = f"per-file-ignores.\"{pattern}\""
            pairs.append((Glob.parse(pattern), validate_codes(_string_list(codes, path, key), _where(path, key))))
        config = replace(config, per_file_ignores=tuple(pairs))
    if "scripts" in table:
        config = replace(config, scripts=tuple(Glob.parse(p) for p in _string_list(table["scripts"], path, "scripts")))
    # `extend-exclude` adds to `exclude` (ruff's spelling); the built-in skipped
    # folders (`files.SKIP_DIRS`) stay skipped whatever `exclude` says.
    for key in ("exclude", "extend-exclude"):
        if key in table:
            globs = tuple(Glob.parse(p) for p in _string_list(table[key], path, key))
            config = replace(config, exclude=config.exclude + globs)
    if "interface" in table:
        value = table["interface"]
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{_where(path, 'interface')} must be the path of a stub file, e.g. interface = \"tasks.pyi\"")
        stub = (path.parent / value).resolve()
        config = replace(
            config, interface_path=stub, interface=load_interface(stub, origin=_where(path, "interface"))
        )
    if "limits" in table:
        limits = table["limits"]
        if not isinstance(limits, dict):
            raise ConfigError(f"{_where(path, 'limits')} must be a table: [tool.sandbox-lint.limits] max-bytes = …")
        for key in limits:
            if key not in LIMIT_KEYS:
                raise ConfigError(
                    f"{_display(path)}: [tool.sandbox-lint.limits] unknown key `{key}`{_suggest(key, LIMIT_KEYS)}"
                )
        if "max-bytes" in limits:
            config = replace(config, max_bytes=_limit(limits["max-bytes"], path, "max-bytes"))
        if "max-depth" in limits:
            config = replace(config, max_depth=_limit(limits["max-depth"], path, "max-depth"))
        if "max-units" in limits:
            config = replace(config, max_units=_limit(limits["max-units"], path, "max-units"))
    return config


def load_config(path: Path) -> ProjectConfig:
    """Read one pyproject.toml (given by `--config` or found upward)."""
    path = Path(os.path.abspath(path))
    if not path.is_file():
        raise ConfigError(f"{_display(path)}: no such file")
    table = read_table(path)
    if table is None:
        return ProjectConfig(path=path)
    return parse_table(table, path)


# ---------------------------------------------------------------- per file


@dataclass(frozen=True)
class Overrides:
    """Command-line options layered over the configuration (`--select` replaces the
    configured select and ignore lists; `--ignore` adds to the configured ignore)."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    script: bool = False
    interface: Interface | None = None
    honor_noqa: bool = True


@dataclass(frozen=True)
class FileConfig:
    """How to check one file: its settings, its mode and (script mode) its interface."""

    settings: Settings
    mode: Mode
    interface: Interface | None
    per_file_ignores: tuple[str, ...] = ()
    excluded: bool = False

    def keep(self, code: str) -> bool:
        """False for codes this file's per-file-ignores drop."""
        return not any(code.startswith(prefix) for prefix in self.per_file_ignores)

    def check(self, source: str) -> list[Diagnostic]:
        """The core's findings on `source` in this file's mode, minus per-file ignores."""
        return list(self.report(source).diagnostics)

    def report(self, source: str) -> Report:
        """`check`, with what the check covered."""
        if self.mode == "script":
            report = check_report(source, interface=self.interface, settings=self.settings)
        else:
            report = check_host_report(source, settings=self.settings)
        if not self.per_file_ignores:
            return report
        return Report(tuple(d for d in report.diagnostics if self.keep(d.code)), report.coverage)


class Resolver:
    """Finds and caches each folder's configuration; resolves files to `FileConfig`s."""

    def __init__(self, *, config_path: Path | None = None, overrides: Overrides | None = None) -> None:
        self.overrides = overrides or Overrides()
        self._fixed = load_config(config_path) if config_path is not None else None
        self._by_folder: dict[str, ProjectConfig] = {}

    def project(self, path: str | os.PathLike[str]) -> ProjectConfig:
        """The configuration that governs `path` (a file or a folder)."""
        if self._fixed is not None:
            return self._fixed
        absolute = os.path.abspath(path)
        folder = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
        return self._for_folder(folder)

    def _for_folder(self, folder: str) -> ProjectConfig:
        cached = self._by_folder.get(folder)
        if cached is not None:
            return cached
        candidate = os.path.join(folder, "pyproject.toml")
        table = read_table(Path(candidate)) if os.path.isfile(candidate) else None
        if table is not None:
            config = parse_table(table, Path(candidate))
        else:
            parent = os.path.dirname(folder)
            config = self._for_folder(parent) if parent != folder else ProjectConfig()
        self._by_folder[folder] = config
        return config

    def resolve(self, path: str | os.PathLike[str], *, stdin: bool = False) -> FileConfig:
        """`stdin` without a real file name: script mode, the project of the working folder."""
        project = self.project(path)
        relative = project.relative(path)
        o = self.overrides
        # ruff's layering: `--select` starts over (the config's ignore goes too);
        # `--ignore` alone adds to the config's ignore.
        if o.select is not None:
            select, ignore = o.select, o.ignore or ()
        else:
            select, ignore = project.select, project.ignore + (o.ignore or ())
        settings = Settings(
            select=select,
            ignore=ignore,
            max_bytes=project.max_bytes,
            max_depth=project.max_depth,
            max_units=project.max_units,
            honor_noqa=o.honor_noqa,
        )
        script = o.script or o.interface is not None or stdin or project._matches(project.scripts, relative)
        interface = o.interface if o.interface is not None else project.interface
        return FileConfig(
            settings=settings,
            mode="script" if script else "host",
            interface=interface if script else None,
            per_file_ignores=project._ignored(relative),
            excluded=project._matches(project.exclude, relative),
        )


def parse_code_option(values: Sequence[str] | None, option: str) -> tuple[str, ...] | None:
    """`--select A,B --select C` → validated codes (None when not given)."""
    if values is None:
        return None
    return validate_codes([code for value in values for code in split_codes(value)], option)
