"""Resource limits of one run. Always set; every field has a default.

Names follow Flyte's sandbox options (`timeout_ms`, `max_memory`,
`max_stack_depth`) where Flyte has one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import TaskDefinitionError


MAX_VALUE_DEPTH = 512
"""The deepest `max_value_depth` allowed: validation walks values recursively,
and Python's own recursion limit (1000 frames) must stay out of reach."""


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
    """Printed output kept per run; the run stops when the program prints more.
    Exception messages and tracebacks are clipped to this size too."""

    max_value_items: int = 1_000_000
    """One value leaving the sandbox (the result, one task call's arguments, one
    `map_task`'s iterables): items counted expanded, every container and
    scalar once per reference that reaches it (`[a, a]` counts `a` twice)."""

    max_value_bytes: int = 16 * 1024 * 1024
    """One value leaving the sandbox: UTF-8 bytes of its `str`s plus `bytes`
    (and big ints), expanded as for `max_value_items`."""

    max_value_depth: int = 256
    """Nesting of a value crossing the boundary (either way): `1` has depth 1,
    `[1]` depth 2. At most 512. Values from the sandbox are also bounded by
    `max_stack_depth`, past which Monty cannot pass them."""

    max_transfer_items: int = 4_000_000
    """All values leaving the sandbox in one run, together (as `max_value_items`)."""

    max_transfer_bytes: int = 64 * 1024 * 1024
    """All values leaving the sandbox in one run, together (as `max_value_bytes`)."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None and item.name == "task_timeout_s":
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise TaskDefinitionError(f"limit `{item.name}` must be a positive number, got {value!r}", code="SBX206")
        if self.max_value_depth > MAX_VALUE_DEPTH:
            raise TaskDefinitionError(
                f"limit `max_value_depth` must be at most {MAX_VALUE_DEPTH}, got {self.max_value_depth!r}", code="SBX206"
            )

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

    @property
    def outbound_depth(self) -> int:
        """The deepest value that may leave the sandbox: Monty replaces anything
        nested deeper than its recursion limit with the text `'<deeply nested>'`."""
        return min(int(self.max_value_depth), int(self.max_stack_depth))

    def with_options(self, **options: Any) -> Limits:
        """A copy with the non-None options applied (unknown names rejected)."""
        known = {item.name for item in fields(self)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TaskDefinitionError(f"unknown option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}", code="SBX206")
        return replace(self, **{k: v for k, v in options.items() if v is not None})


DEFAULT_LIMITS = Limits()
