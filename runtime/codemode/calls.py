"""The finished task calls of one run, and their results, collected from its events.

Feedback after a failure lists the calls that already ran, with what they
returned, so the model does not redo (or misjudge) work. A failed run's error
does not carry its calls yet, and no call record carries a result, so code
mode collects both from the run's `TaskCallStarted` / `TaskCallFinished`
events: a call is listed once it finished, in the order calls finished; its
result is kept when the event carries one (`TaskCallFinished.value`).
"""

from __future__ import annotations

from typing import Any

from .. import CallRecord
from ..events import EventHook, RunEvent, RunStarted, TaskCallFinished, TaskCallStarted

__all__ = ["CallCollector"]

_NO_VALUE: Any = object()


class CallCollector:
    """A run's event hook: keeps the finished task calls (and their results,
    by call key) and forwards every event to `forward`."""

    __slots__ = ("forward", "started", "calls", "results", "run_id")

    def __init__(self, forward: EventHook | None) -> None:
        self.forward = forward
        self.started: dict[str, TaskCallStarted] = {}
        self.calls: list[CallRecord] = []
        self.results: dict[str, Any] = {}
        self.run_id: str | None = None

    def __call__(self, event: RunEvent) -> None:
        if isinstance(event, TaskCallStarted):
            self.started[event.call_key] = event
        elif isinstance(event, TaskCallFinished):
            begun = self.started.pop(event.call_key, None)
            if begun is not None:
                self.calls.append(
                    CallRecord(
                        begun.seq, begun.call_key, begun.task, begun.args, begun.kwargs, begun.line,
                        event.duration_s, event.ok,
                    )
                )
                value = getattr(event, "value", _NO_VALUE)
                if event.ok and value is not _NO_VALUE:
                    self.results[event.call_key] = value
        elif isinstance(event, RunStarted):
            self.run_id = event.run_id
        if self.forward is not None:
            self.forward(event)
