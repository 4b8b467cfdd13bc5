"""`sandbox-lint check --watch`: check, then check again whenever something it read changes.

Polling, not file-system events: every half second it compares the
modification time, size and inode of every file it checked, every folder it
walked (a new, removed or renamed file changes its folder), and the
`pyproject.toml`, `.gitignore` and interface stubs that govern them. No
dependency, the same on every platform and file system (network mounts,
containers), and a few hundred `stat` calls a second for a large project.
Ctrl-C stops it (exit 130).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable

from ..config import ConfigError

PROG = "sandbox-lint"
POLL_S = 0.5
_CLOCK_MARGIN_NS = 50_000_000
_GOVERNING = ("pyproject.toml", ".gitignore")

State = dict[str, tuple[int, int, int] | None]


def snapshot(paths: Iterable[str]) -> State:
    """Each path's (mtime in ns, size, inode), or None when it does not exist."""
    state: State = {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            state[path] = None
        else:
            state[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return state


def governing(folders: Iterable[str]) -> set[str]:
    """The configuration files that can change what is checked in `folders`: theirs and their parents'."""
    found: set[str] = set()
    seen: set[str] = set()
    for folder in folders:
        current = os.path.abspath(folder)
        while current not in seen:
            seen.add(current)
            found.update(os.path.join(current, name) for name in _GOVERNING)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
    return found


def _note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {PROG}: {message}", file=sys.stderr, flush=True)


def watch(args: argparse.Namespace, check_once: Callable[[argparse.Namespace, set[str]], int]) -> int:
    if "-" in args.paths or (not args.paths and args.stdin_filename is not None):
        raise ConfigError("--watch cannot watch standard input: name the files or folders to watch")
    # The named paths, even before a round could read them (a broken configuration).
    extra = [name for name in (args.config, args.interface, *(args.paths or ["."])) if name]
    report_folder = os.path.dirname(os.path.abspath(args.output_file)) if args.output_file is not None else None
    _note("watching for changes (Ctrl-C stops)")
    previous: set[str] = set()
    while True:
        started = time.time_ns()
        watched: set[str] = set()
        if sys.stdout.isatty():
            sys.stdout.write("\x1b[2J\x1b[H")  # a fresh screen per round, as ruff does
        try:
            check_once(args, watched)
        except ConfigError as exc:  # a configuration being edited: say so and keep watching
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            watched = watched or previous  # stopped before reading anything: watch what the last round read
        previous = watched
        sys.stdout.flush()
        sys.stderr.flush()
        paths = set(extra) | watched
        paths |= governing({path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)) for path in paths})
        before = snapshot(paths)
        # Something changed while it was being checked (or written by --fix): check
        # again now. Not the --output-file's folder, which writing the report
        # changes every round. (The margin covers the file system's coarser clock;
        # a file dated in the future is no reason to loop.)
        now = time.time_ns()
        changed = any(
            value is not None and started - _CLOCK_MARGIN_NS <= value[0] <= now and os.path.abspath(path) != report_folder
            for path, value in before.items()
        )
        while not changed:
            time.sleep(POLL_S)
            changed = snapshot(paths) != before
        _note("change detected, checking again")
