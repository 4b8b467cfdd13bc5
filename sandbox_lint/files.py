"""Source files on disk: reading them as Python does, writing fixes safely, finding them.

Files are read as bytes and decoded per PEP 263 (BOM, coding cookie, UTF-8
by default): a file that does not decode is an SBX900 finding at the bad
byte, never a traceback. Fixes are written atomically (temporary file +
rename) with the file's encoding and BOM kept. Folders are walked for `*.py`,
skipping tool and virtual-environment folders and `exclude` globs.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import tempfile
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import Resolver
from .diagnostics import Diagnostic
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


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and a rename: never a half-written file."""
    target = path.resolve()  # through symlinks: replace the file, not the link
    mode = target.stat().st_mode & 0o7777
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
    paths: Sequence[str], stdin_filename: str | None, resolver: Resolver, errors: list[str]
) -> list[Target]:
    """Expand the command line's paths into files (walking folders for `*.py`)."""
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
            for file in _walk(arg, resolver):
                add(os.path.normpath(file), Path(file))
        elif path.exists() or path.is_symlink():
            if not resolver.project(path).is_excluded(path):
                add(arg, path)
        else:
            errors.append(f"{arg}: no such file or directory")
    return targets


def _walk(root: str, resolver: Resolver) -> Iterator[str]:
    """`*.py` files under `root`, sorted, skipping tool folders and `exclude` globs."""
    for folder, dirs, files in os.walk(root):
        project = resolver.project(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not _is_virtualenv(os.path.join(folder, d))
            and not (project.exclude and project.is_excluded(os.path.join(folder, d)))
        )
        for name in sorted(files):
            if name.endswith(".py"):
                file = os.path.join(folder, name)
                if not (project.exclude and project.is_excluded(file)):
                    yield file
