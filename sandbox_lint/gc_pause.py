"""Pausing Python's cyclic garbage collector while a check allocates.

A check builds many short-lived objects (CPython's tree of a host file,
libcst's nodes, the findings), and the collector, triggered by allocation
counts, then walks the young objects again and again: about a third of a
5,000-line host file's check here, and 40% of CPython's parse of it. Nothing
a check builds needs the collector (what it leaves is freed by reference
counts when the check ends), so checks run with it paused, and it resumes,
if it was on, when the last check in progress ends. Nested and concurrent
checks share one count.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (and for every block running at the same time)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            if _resume:
                gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                _resume = False
                gc.enable()
