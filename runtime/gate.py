"""The gate: every program passes the checker, with its exact interface, before it runs.

A thin adapter over `sandbox_lint.check` (no rule lives here). The settings
are always `Settings.gate()`: every rule on, `# noqa` ignored. The checker is
a pure function of (source, interface, settings), so a passing verdict is
cached; a rejected program is re-checked on every attempt (and re-rejected).
The cache holds a BLAKE2b-256 digest of each source, never the text, and is
bounded by bytes (`sandbox_lint.caches.BoundedCache`): distinct programs cannot grow the host.
Passes are also kept on disk (`verdicts`), so a new process that runs a
program this machine already checked starts without importing the checker.
"""

from __future__ import annotations

import hashlib

from sandbox_lint.interface import Interface
from sandbox_lint.settings import Settings

from . import verdicts
from .errors import RejectedError
from sandbox_lint.caches import BoundedCache

_passed: BoundedCache[tuple[bytes, Interface], bool] = BoundedCache(4096, 8 * 1024 * 1024, max_share=0.25)


def render_llm(diagnostics: list, filename: str) -> str:  # type: ignore[type-arg]
    from sandbox_lint.output import format_llm

    return str(format_llm(diagnostics, filename))


def run_gate(source: str, interface: Interface, *, filename: str = "<sandbox>") -> None:
    """Raise `RejectedError` unless `source` passes every rule with `interface`."""
    key = (hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=32).digest(), interface)
    if _passed.get(key):
        return
    settings = Settings.gate()
    on_disk = verdicts.verdict_key(source, interface, settings) if verdicts.directory() is not None else None
    if on_disk is None or not verdicts.known_pass(on_disk):
        from sandbox_lint.checker import check

        diagnostics = list(check(source, interface=interface, settings=settings))
        if diagnostics:
            diagnostics.sort(key=lambda d: d.sort_key)
            raise RejectedError(diagnostics, filename=filename, rendered=render_llm(diagnostics, filename))
        if on_disk is not None:
            verdicts.remember_pass(on_disk)
    _passed.put(key, True, 256 + len(repr(interface)))  # the digest, the entry and the interface it holds
