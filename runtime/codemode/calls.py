"""The finished task calls of one run, collected from its events.

A failed run's error does not carry its calls (yet), so code mode collects
them from the run's `TaskCallStarted` / `TaskCallFinished` events: a call is
listed once it finished, in the order the calls finished.
"""

from __future__ import annotations

from ..driver import CallRecord
from ..errors import SandboxError
from ..events import EventHook, RunEvent, RunStarted, TaskCallFinished, TaskCallStarted

__all__ = ["CallCollector", "ERRORS_CARRY_CALLS"]

# Once the runtime attaches `.calls` to every `SandboxError`, collecting them
# from events is unneeded, and runs without hooks build no events at all.
ERRORS_CARRY_CALLS: bool = hasattr(SandboxError("probe"), "calls")


class CallCollector:
    """The run's event hook: keeps the finished task calls (a failed run's error
    does not carry them yet) and forwards every event to the agent's hook."""

    __slots__ = ("forward", "started", "calls", "run_id")

    def __init__(self, forward: EventHook | None) -> None:
        self.forward = forward
        self.started: dict[str, TaskCallStarted] = {}
        self.calls: list[CallRecord] = []
        self.run_id: str | None = None

    def __call__(self, event: RunEvent) -> None:
        if isinstance(event, TaskCallStarted):
            self.started[event.call_key] = event
        elif isinstance(event, TaskCallFinished):
            begun = self.started.pop(event.call_key, None)
            if begun is not None:
                self.calls.append(
                    CallRecord(begun.seq, begun.call_key, begun.task, begun.args, begun.kwargs, begun.line, event.duration_s, event.ok)
                )
        elif isinstance(event, RunStarted):
            self.run_id = event.run_id
        if self.forward is not None:
            self.forward(event)
