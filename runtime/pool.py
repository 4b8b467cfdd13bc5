"""The process-wide pool of Monty workers: created on first use, shut down at exit.

Workers are subprocesses (`pydantic_monty.Monty`); a run checks one out for
its duration and returns it. A worker that crashes or is killed by the
watchdog is replaced by the pool; a session that hit a time or memory limit is
discarded by leaving its checkout (the next checkout starts clean).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import sys
import threading
from typing import Any

from pydantic_monty import Monty

_lock = threading.Lock()
_pool: Monty | None = None


def max_workers() -> int:
    return max(2, min(8, os.cpu_count() or 2))


def _cache_missing_opentelemetry() -> None:
    """pydantic_monty tries `import opentelemetry` on every feed for trace
    context; when it is not installed, each failed import walks sys.path
    (~100 µs). Record the absence once, as Python's import system allows, so
    the failure is immediate. Nothing changes when opentelemetry is installed."""
    if "opentelemetry" not in sys.modules and importlib.util.find_spec("opentelemetry") is None:
        # Both the package and the submodule Monty asks for: a None entry for
        # the exact name fails the import without a finder search.
        sys.modules["opentelemetry"] = None  # type: ignore[assignment]
        sys.modules["opentelemetry.context"] = None  # type: ignore[assignment]


def get_pool() -> Monty:
    """The shared pool, started on first use."""
    global _pool
    pool = _pool
    if pool is not None:
        return pool
    with _lock:
        if _pool is None:
            _cache_missing_opentelemetry()
            # feed_duration_limit_grace is the host-side backstop for a runaway
            # turn: the parent kills a worker that overruns its feed limit.
            created = Monty(min_processes=1, max_processes=max_workers(), feed_duration_limit_grace=2.0)
            created.__enter__()
            _pool = created
            atexit.register(shutdown)
        return _pool


def shutdown(*_: Any) -> None:
    """Stop all workers (registered with atexit; safe to call twice)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.__exit__(None, None, None)
