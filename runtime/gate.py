"""The gate: every program passes the checker, with its exact interface, before it runs.

A thin adapter over `sandbox_lint.check` (no rule lives here). The settings
are always `Settings.gate()`: every rule on, `# noqa` ignored. The checker is
a pure function of (source, interface, settings), so a passing verdict is
cached; a rejected program is re-checked on every attempt (and re-rejected).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sandbox_lint.interface import Interface
from sandbox_lint.settings import Settings

from .errors import RejectedError

_CACHE_SIZE = 2048
_passed: OrderedDict[tuple[str, Interface], None] = OrderedDict()
_lock = threading.Lock()


def render_llm(diagnostics: list, filename: str) -> str:  # type: ignore[type-arg]
    from sandbox_lint.output import format_llm

    return str(format_llm(diagnostics, filename))


def run_gate(source: str, interface: Interface, *, filename: str = "<sandbox>") -> None:
    """Raise `RejectedError` unless `source` passes every rule with `interface`."""
    key = (source, interface)
    with _lock:
        if key in _passed:
            _passed.move_to_end(key)
            return
    from sandbox_lint import check

    diagnostics = list(check(source, interface=interface, settings=Settings.gate()))
    if diagnostics:
        diagnostics.sort(key=lambda d: d.sort_key)
        raise RejectedError(diagnostics, filename=filename, rendered=render_llm(diagnostics, filename))
    with _lock:
        _passed[key] = None
        if len(_passed) > _CACHE_SIZE:
            _passed.popitem(last=False)
