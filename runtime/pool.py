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

Two things the pool adds around Monty's:

* the workers' stderr (Monty's worker reports allocation failures and panics
  there) goes to the `runtime.worker` logger at debug level instead of the
  user's terminal: the workers run through a small `/bin/sh` wrapper that
  points their stderr at a pipe this process reads (POSIX; elsewhere the
  workers inherit stderr as before);
* `guard(session)`: while a run holds a checkout, its worker can be stopped at
  once. The run does so itself when its output passes the cap, and Ctrl-C
  does so for runs on the main thread: Python's signal handler only runs once
  the blocking call into the worker returns, so a thread woken by the
  signal's wakeup fd kills the worker, the call returns, and
  `KeyboardInterrupt` is raised within milliseconds instead of after the
  sandbox's time limit. The pool replaces the killed worker.
"""

from __future__ import annotations

import atexit
import contextvars
import importlib.abc
import importlib.util
import logging
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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
            _pool = _started_pool(min_processes=1)
            atexit.register(shutdown)
        return _pool


def _started_pool(*, min_processes: int) -> Monty:
    # feed_duration_limit_grace is the host-side backstop for a runaway
    # turn: the parent kills a worker that overruns its feed limit.
    global _wrapper
    if _wrapper is None:
        _wrapper = _quiet_worker_binary() or ""
    pool = Monty(
        binary_path=_wrapper or None, min_processes=min_processes, max_processes=max_workers(), feed_duration_limit_grace=2.0
    )
    try:
        pool.__enter__()
    except Exception:
        if not _wrapper:
            raise
        _wrapper = ""  # the wrapper cannot run here (a noexec temp folder): the workers keep the host's stderr
        pool = Monty(min_processes=min_processes, max_processes=max_workers(), feed_duration_limit_grace=2.0)
        pool.__enter__()
    return pool


_wrapper: str | None = None  # the quiet worker binary, "" for none, None before the first pool


def _nested_pool(level: int) -> Monty:
    pool = _nested.get(level)
    if pool is not None:
        return pool
    with _lock:
        pool = _nested.get(level)
        if pool is None:
            # no warm worker: nested runs are rare, and each level's pool is
            # only started when a run first nests that deep
            pool = _started_pool(min_processes=0)
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


# ------------------------------------------------------------- worker stderr

_worker_log = logging.getLogger("runtime.worker")


def _quiet_worker_binary() -> str | None:
    """A wrapper running Monty's worker binary with its stderr on a pipe that a
    daemon thread copies to the `runtime.worker` logger; None where it cannot
    be made (not POSIX, no binary found)."""
    if os.name != "posix" or not os.path.exists("/bin/sh"):
        return None
    try:
        from pydantic_monty._binary import find_monty_binary

        real = find_monty_binary()
    except (ImportError, FileNotFoundError):
        return None
    folder = tempfile.mkdtemp(prefix="sandbox-lint-worker-")
    atexit.register(shutil.rmtree, folder, True)
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)  # the workers' stderr; the wrapper reopens it as /dev/fd/N
    script = Path(folder) / "monty"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(real)} "$@" 2>/dev/fd/{write_end}\n')
    script.chmod(0o700)
    threading.Thread(target=_copy_worker_stderr, args=(read_end,), name="monty-worker-stderr", daemon=True).start()
    return str(script)


def _copy_worker_stderr(fd: int) -> None:
    with open(fd, "rb", buffering=0) as stream:
        for line in iter(stream.readline, b""):
            _worker_log.debug("%s", line.decode("utf-8", "replace").rstrip())


# -------------------------------------------------------- stopping a worker

_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)


class Guard:
    """A run's hold on its worker, for the length of its checkout (a context
    manager): `stop()` kills the worker now (the call into it returns with
    `MontyCrashedError`); `interrupted` says Ctrl-C did."""

    __slots__ = ("pid", "main", "interrupted", "stopped", "_live", "_previous", "_forward_before")

    def __init__(self, session: Any) -> None:
        self.pid: int | None = session.worker_pid
        self.main = threading.current_thread() is _MAIN_THREAD and os.name == "posix"
        self.interrupted = False
        self.stopped = False
        self._live = False
        self._previous: int | None = None
        self._forward_before = -1

    def __enter__(self) -> Guard:
        global _forward_fd
        if self.main:
            ours = _wakeup_pipe()[1]
            try:
                self._previous = signal.set_wakeup_fd(ours, warn_on_full_buffer=False)
            except ValueError:  # not the main interpreter's main thread after all
                self.main = False
            self._forward_before = _forward_fd
            if self._previous is not None and self._previous not in (-1, ours):
                _forward_fd = self._previous  # an event loop's wakeup fd still gets every byte
        with _guards_lock:
            self._live = True
            _guards.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        global _forward_fd
        with _guards_lock:
            self._live = False
            _guards.remove(self)
        if self._previous is not None:
            signal.set_wakeup_fd(self._previous, warn_on_full_buffer=False)
            _forward_fd = self._forward_before

    def stop(self) -> None:
        with _guards_lock:
            self._kill()

    def _kill(self) -> None:  # with _guards_lock held: the worker is still this run's
        if self._live and self.pid is not None and not self.stopped:
            self.stopped = True
            try:
                os.kill(self.pid, _KILL)
            except OSError:
                pass


def guard(session: Any) -> Guard:
    """Hold the checked-out `session`'s worker for one run: `with guard(session) as held:`."""
    return Guard(session)


_MAIN_THREAD = threading.main_thread()
_guards_lock = threading.Lock()
_guards: list[Guard] = []
_wakeup: tuple[int, int] | None = None  # (read end, write end) of the SIGINT wakeup pipe
_forward_fd = -1  # a wakeup fd set before ours (an event loop's): the watch forwards every byte to it


def _interrupt_watch(read_end: int) -> None:
    sigint = int(signal.SIGINT)
    while True:
        try:
            data = os.read(read_end, 512)
        except OSError:
            return
        forward = _forward_fd
        if forward >= 0:
            try:
                os.write(forward, data)
            except OSError:
                pass
        # Only where Ctrl-C means KeyboardInterrupt: a program's own SIGINT handler decides for itself.
        if sigint in data and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            with _guards_lock:
                for held in _guards:
                    if held.main:
                        held.interrupted = True
                        held._kill()


def _wakeup_pipe() -> tuple[int, int]:
    global _wakeup
    wakeup = _wakeup
    if wakeup is not None:
        return wakeup
    with _guards_lock:
        if _wakeup is None:
            read_end, write_end = os.pipe()
            os.set_blocking(write_end, False)
            threading.Thread(target=_interrupt_watch, args=(read_end,), name="sandbox-interrupt", daemon=True).start()
            _wakeup = (read_end, write_end)
        return _wakeup
