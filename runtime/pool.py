"""The process-wide pool of Monty workers: created on first use, shut down at exit.

Workers are subprocesses (`pydantic_monty.Monty`); a run checks one out for
its duration and returns it. A worker that crashes or is killed by the
watchdog is replaced by the pool; a session that hit a time or memory limit is
discarded by leaving its checkout (the next checkout starts clean).

A run started while a task of another run is running (an orchestrator called
as a task, a task that runs a template) takes its worker from the pool of the
next nesting level: it never waits for a worker its caller holds, so nested
runs cannot deadlock however many outer runs hold workers. Levels are
counted in a context variable, which reaches tasks in threads (see
`executors.py`); at most `MAX_NESTING` runs are nested.
"""

from __future__ import annotations

import atexit
import contextvars
import importlib.abc
import importlib.util
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic_monty import Monty

from .errors import LimitExceeded

_lock = threading.Lock()
_pool: Monty | None = None
_nested: dict[int, Monty] = {}  # pools of nesting levels 1, 2, ...
_level: contextvars.ContextVar[int] = contextvars.ContextVar("sandbox_run_level", default=-1)
MAX_NESTING = 4


def max_workers() -> int:
    return max(2, min(8, os.cpu_count() or 2))


class _AbsentDuringFeeds(importlib.abc.MetaPathFinder):
    """A fast "not installed" for the modules Monty probes on every feed, and only then.

    pydantic_monty imports `opentelemetry.context` on each feed for trace
    context. When OpenTelemetry is not installed, each failed import walks
    every finder and `sys.path` entry (about 100 µs, a third of a one-call
    run). Inside `quiet_imports()` (our own feeds, on the driving thread) this
    finder answers at once, as long as the module is still absent: that is
    re-checked when `sys.path` or the mtime of one of its folders changed
    (installing a package touches site-packages; looked at most once a
    second) and on `importlib.invalidate_caches()`. Everywhere else it does nothing, and it
    never writes `sys.modules`, so installing OpenTelemetry later in the same
    process works as usual.
    """

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.local = threading.local()
        self._stamp: tuple[object, ...] | None = None
        self._stamped_at = 0.0
        self._absent: frozenset[str] = frozenset()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname not in self.names or not getattr(self.local, "active", False):
            return None
        if fullname in self._absent_now():
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None

    def invalidate_caches(self) -> None:
        self._stamp = None

    def _absent_now(self) -> frozenset[str]:
        now = time.monotonic()
        if self._stamp is not None and now - self._stamped_at < 1.0:
            return self._absent
        self._stamped_at = now
        stamp = _path_stamp()
        if stamp != self._stamp:
            self.local.active = False  # look for real, through every finder
            try:
                absent = set()
                for name in self.names:
                    top = name.partition(".")[0]
                    if top not in sys.modules and importlib.util.find_spec(top) is None:
                        absent.add(name)
            finally:
                self.local.active = True
            self._absent, self._stamp = frozenset(absent), stamp
        return self._absent


def _path_stamp() -> tuple[object, ...]:
    """Changes when a package may have been installed: sys.path or a folder's mtime."""
    stamp: list[object] = [tuple(sys.path)]
    for entry in sys.path:
        try:
            stamp.append(os.stat(entry or ".").st_mtime_ns)
        except OSError:
            stamp.append(None)
    return tuple(stamp)


_finder = _AbsentDuringFeeds(frozenset({"opentelemetry", "opentelemetry.context"}))


@contextmanager
def quiet_imports() -> Iterator[None]:
    """Around our own feeds: Monty's probe for OpenTelemetry costs microseconds, not 100 µs."""
    local = _finder.local
    previous = getattr(local, "active", False)
    local.active = True
    try:
        yield
    finally:
        local.active = previous


@contextmanager
def run_level() -> Iterator[int]:
    """Around one run: its nesting level (0 for a run no task started)."""
    level = _level.get() + 1
    if level >= MAX_NESTING:
        raise LimitExceeded(
            f"runs nested {level + 1} deep (an orchestrator or template run from a task of a run that is "
            f"itself nested); at most {MAX_NESTING} levels are allowed",
            limit="nesting", value=MAX_NESTING,
        )
    token = _level.set(level)
    try:
        yield level
    finally:
        _level.reset(token)


def get_pool() -> Monty:
    """The pool of the current nesting level, started on first use."""
    global _pool
    level = _level.get()
    if level > 0:
        return _nested_pool(level)
    pool = _pool
    if pool is not None:
        return pool
    with _lock:
        if _pool is None:
            if _finder not in sys.meta_path:
                sys.meta_path.insert(0, _finder)
            # feed_duration_limit_grace is the host-side backstop for a runaway
            # turn: the parent kills a worker that overruns its feed limit.
            created = Monty(min_processes=1, max_processes=max_workers(), feed_duration_limit_grace=2.0)
            created.__enter__()
            _pool = created
            atexit.register(shutdown)
        return _pool


def _nested_pool(level: int) -> Monty:
    pool = _nested.get(level)
    if pool is not None:
        return pool
    with _lock:
        pool = _nested.get(level)
        if pool is None:
            # no warm worker: nested runs are rare, and each level's pool is
            # only started when a run first nests that deep
            pool = Monty(min_processes=0, max_processes=max_workers(), feed_duration_limit_grace=2.0)
            pool.__enter__()
            _nested[level] = pool
            atexit.register(shutdown)  # safe to run twice
        return pool


def shutdown(*_: Any) -> None:
    """Stop all workers (registered with atexit; safe to call twice)."""
    global _pool
    with _lock:
        pools = [_pool, *_nested.values()]
        _pool = None
        _nested.clear()
    for pool in pools:
        if pool is not None:
            pool.__exit__(None, None, None)
