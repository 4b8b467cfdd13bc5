"""Resource limits of one run. Always set; every field has a default.

Names follow Flyte's sandbox options (`timeout_ms`, `max_memory`,
`max_stack_depth`) where Flyte has one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import TaskDefinitionError


@dataclass(frozen=True)
class Limits:
    timeout_ms: int = 30_000
    """Sandbox execution time (ms). The clock runs only while sandbox code
    executes, not while it waits for tasks (Monty's feed duration)."""

    max_memory: int = 50 * 1024 * 1024
    """Sandbox heap, bytes."""

    max_stack_depth: int = 256
    """Sandbox recursion depth."""

    max_task_calls: int = 1000
    """Task calls per run (each `map_task` element counts as one)."""

    run_timeout_s: float = 300.0
    """Host-side backstop: wall time of the whole run, task calls included."""

    task_timeout_s: float | None = None
    """Wall time of one task call; `None` leaves only `run_timeout_s`."""

    concurrency: int = 16
    """Task calls in flight at once (`gather`, `map_task`, async calls)."""

    max_output_bytes: int = 1024 * 1024
    """Printed output kept per run."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None and item.name == "task_timeout_s":
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise TaskDefinitionError(f"limit `{item.name}` must be a positive number, got {value!r}", code="SBX206")

    def monty_limits(self) -> dict[str, Any]:
        """The `ResourceLimits` for a Monty checkout. Suspensions (calls, name
        lookups, future resolutions) get headroom over the task-call limit so
        the runtime's own, clearer task-call error fires first."""
        return {
            "max_feed_duration_secs": self.timeout_ms / 1000.0,
            "max_memory": int(self.max_memory),
            "max_recursion_depth": int(self.max_stack_depth),
            "max_suspensions": int(self.max_task_calls) * 2 + 256,
        }

    def with_options(self, **options: Any) -> Limits:
        """A copy with the non-None options applied (unknown names rejected)."""
        known = {item.name for item in fields(self)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TaskDefinitionError(f"unknown option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}", code="SBX206")
        return replace(self, **{k: v for k, v in options.items() if v is not None})


DEFAULT_LIMITS = Limits()
