"""Source files on disk: reading them as Python does, writing fixes safely, finding them.

Files are read as bytes and decoded per PEP 263 (BOM, coding cookie, UTF-8
by default): a file that does not decode is an SBX900 finding at the bad
byte, never a traceback. Fixes are written atomically (temporary file +
rename) with the file's encoding and BOM kept. Folders are walked for `*.py`,
skipping tool and virtual-environment folders, `exclude` globs and what git
ignores (`gitignore.py`).
"""

from __future__ import annotations

import codecs
import io
import os
import re
import tempfile
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import ProjectConfig, Resolver
from .diagnostics import Diagnostic
from .gitignore import GitIgnore
from .rules import RULES_BY_CODE

STDIN_NAME = "<stdin>"

# Folders a directory walk never enters (files named on the command line are still checked).
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
        "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis",
    }
)


@dataclass(frozen=True)
class Decoded:
    """A file's text and how to write it back byte-for-byte the same way."""

    text: str
    encoding: str  # codec name; "utf-8-sig" keeps a BOM


def _decode_failure(data: bytes, start: int, encoding: str, reason: str) -> Diagnostic:
    line_start = data.rfind(b"\n", 0, start) + 1
    line = data.count(b"\n", 0, start) + 1
    prefix = data[line_start:start]
    if line == 1 and prefix.startswith(codecs.BOM_UTF8):
        prefix = prefix[len(codecs.BOM_UTF8) :]
    column = len(prefix.decode(encoding, errors="replace")) + 1
    byte = data[start : start + 1].hex()
    name = "UTF-8" if encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig") else encoding
    message = f"the file is not valid {name} ({reason} at byte 0x{byte}): save it as UTF-8"
    return Diagnostic("SBX900", RULES_BY_CODE["SBX900"].name, message, line, column, line, column + 1)


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]")


def decode(data: bytes) -> Decoded | Diagnostic:
    """Bytes → text per PEP 263 (BOM, coding cookie, default UTF-8), or an SBX900 finding."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        first_lines = data.removeprefix(codecs.BOM_UTF8).split(b"\n", 2)[:2]
        cookie_line = next((n for n, line in enumerate(first_lines, 1) if _COOKIE.match(line)), None)
        if cookie_line is None:
            # No declaration: the first lines are not UTF-8; report the bad byte below.
            encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        else:
            if data.startswith(codecs.BOM_UTF8):
                reason = "the file starts with a UTF-8 byte-order mark but declares another encoding"
            else:
                reason = f"invalid encoding declaration ({exc.msg})"
            message = f"{reason}: declare `# -*- coding: utf-8 -*-` or remove the declaration"
            return Diagnostic("SBX900", RULES_BY_CODE["SBX900"].name, message, cookie_line, 1, cookie_line, 2)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        # utf-8-sig counts positions after the BOM it dropped.
        start = exc.start + (len(codecs.BOM_UTF8) if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8) else 0)
        return _decode_failure(data, start, encoding, exc.reason)
    return Decoded(text, encoding)


def encode(fixed: str, decoded: Decoded) -> bytes:
    """Fixes already write line breaks in the file's own style (`fixes.py`)."""
    return fixed.encode(decoded.encoding)


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and a rename: never a half-written file.
    An existing file keeps its permissions; a new one gets the usual ones (umask)."""
    target = path.resolve()  # through symlinks: replace the file, not the link
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _new_file_mode()
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".sandbox-lint.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


@dataclass(frozen=True)
class Target:
    """One thing to check: a file (`path`) or standard input (`path` None)."""

    display: str
    path: Path | None
    config_path: Path  # where configuration is looked up (stdin: --stdin-filename or cwd)


def _is_virtualenv(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "pyvenv.cfg"))


def collect_targets(
    paths: Sequence[str],
    stdin_filename: str | None,
    resolver: Resolver,
    errors: list[str],
    *,
    gitignore: GitIgnore | None = None,
    folders: set[str] | None = None,
) -> list[Target]:
    """Expand the command line's paths into files (walking folders for `*.py`).

    With `gitignore`, a walk skips what git ignores; a path named here is
    checked even when git ignores it (inside a named folder git ignores,
    nothing is skipped for git: all of it is ignored, and it was asked for).
    `folders` collects the folders walked (what `--watch` polls)."""
    if not paths:
        paths = ["-"] if stdin_filename is not None else ["."]
    targets: list[Target] = []
    seen: set[str] = set()

    def add(display: str, path: Path) -> None:
        key = os.path.abspath(path)
        if key in seen:
            return
        seen.add(key)
        targets.append(Target(display, path, path))

    for arg in paths:
        if arg == "-":
            name = stdin_filename or STDIN_NAME
            where = Path(stdin_filename) if stdin_filename else Path.cwd()
            targets.append(Target(name, None, where))
            continue
        path = Path(arg)
        if path.is_dir():
            asked = gitignore if gitignore is not None and not gitignore.is_ignored(arg) else None
            for file in walk(arg, resolver, asked, folders):
                add(os.path.normpath(file), Path(file))
        elif path.exists() or path.is_symlink():
            if not resolver.project(path).is_excluded(path):
                add(arg, path)
        else:
            errors.append(f"{arg}: no such file or directory")
    return targets


def _skipped_folder(folder: str, name: str, project: ProjectConfig) -> bool:
    path = os.path.join(folder, name)
    return (
        name in SKIP_DIRS
        or name.endswith(".egg-info")
        or _is_virtualenv(path)
        or bool(project.exclude and project.is_excluded(path))
    )


def walk(
    root: str, resolver: Resolver, gitignore: GitIgnore | None = None, folders: set[str] | None = None
) -> list[str]:
    """`*.py` files under `root` in `os.walk` order (a folder's files, then its
    sorted subfolders), skipping tool folders, `exclude` globs and, with
    `gitignore`, what git ignores. Symlinked folders are not entered.

    Level by level, so that git is asked about a whole depth at once."""
    files_in: dict[str, list[str]] = {}
    folders_in: dict[str, list[str]] = {}
    level = [root]
    while level:
        found: list[tuple[str, str, bool]] = []  # (folder, name, is a folder)
        for folder in level:
            if folders is not None:
                folders.add(folder)
            project = resolver.project(folder)
            try:
                with os.scandir(folder) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
            except OSError:  # as os.walk: an unreadable folder is skipped
                continue
            for entry in entries:
                try:
                    is_folder = entry.is_dir()
                except OSError:
                    is_folder = False
                if is_folder:
                    if not entry.is_symlink() and not _skipped_folder(folder, entry.name, project):
                        found.append((folder, entry.name, True))
                elif entry.name.endswith(".py"):
                    if not (project.exclude and project.is_excluded(os.path.join(folder, entry.name))):
                        found.append((folder, entry.name, False))
        ignored = gitignore.ignored((folder, name) for folder, name, _ in found) if gitignore is not None else set()
        level = []
        for folder, name, is_folder in found:
            if (folder, name) in ignored:
                continue
            path = os.path.join(folder, name)
            if is_folder:
                folders_in.setdefault(folder, []).append(path)
                level.append(path)
            else:
                files_in.setdefault(folder, []).append(path)
    ordered: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        ordered.extend(files_in.get(folder, ()))
        stack.extend(reversed(folders_in.get(folder, ())))
    return ordered
