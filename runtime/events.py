"""Structured run events and the hook that receives them.

Every run emits, in order:

    RunStarted
    (TaskCallStarted, TaskCallFinished)*   one pair per attempt of a task call
    Output*                                printed text, flushed at each task call and at the end
    RunFinished                            always, on success and on every error

`TaskCallStarted` is emitted when the attempt really starts (handed to the
executor, not when the sandbox asks for it: a call waiting for a free slot
has not started); `TaskCallFinished` when its outcome is known. A call
answered from the journal or the cache gets both at once, marked `replayed`
or `cached`. A retried call has one pair per attempt (`attempt` 1, 2, ...).
All events come from one place, the task-call seam (`runtime/seam.py`).

Subscribe for the whole process with `add_event_hook(fn)` (returns a function
that removes it) or per run with `on_event=fn`. Hooks run synchronously on the
thread driving the run; an exception in a hook is reported with `warnings` and
never breaks the run. `TaskCallFinished` for concurrent calls arrives when the
driver collects the result, in completion order.

`call_key` is stable across re-runs: `"{seq}:{task}:{digest}"` where `seq` is
the call's position in the run (1-based, in the order the sandbox made the
calls) and `digest` hashes the arguments (handles by identity key, never by
content). A deterministic program with the same task results makes the same
calls with the same keys, which is what durable replay will key on.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    name: str
    inputs: dict[str, Any]


@dataclass(frozen=True)
class TaskCallStarted:
    run_id: str
    call_key: str
    seq: int
    task: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    line: int | None
    attempt: int = 1
    replayed: bool = False
    cached: bool = False


@dataclass(frozen=True)
class TaskCallFinished:
    run_id: str
    call_key: str
    seq: int
    task: str
    duration_s: float
    ok: bool
    error: str | None = None
    attempt: int = 1
    replayed: bool = False
    cached: bool = False
    value: Any = field(default=None, repr=False, compare=False)
    """The task's result (validated), when `ok`."""
    exception: BaseException | None = field(default=None, repr=False, compare=False)
    """The task's exception, when not `ok`."""


@dataclass(frozen=True)
class Output:
    run_id: str
    stream: str
    text: str


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    name: str
    ok: bool
    duration_s: float
    task_calls: int
    error: str | None = None
    value: Any = field(default=None, repr=False, compare=False)
    """The run's result, when `ok`."""


@dataclass(frozen=True)
class CallRecord:
    """One task call of a run, as the trace shows it."""

    seq: int
    call_key: str
    task: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    line: int | None
    duration_s: float
    ok: bool
    attempts: int = 1
    replayed: bool = False
    cached: bool = False
    result: Any = field(default=None, repr=False, compare=False)
    """The task's (validated) result when `ok`; the exception value under `map_task(return_exceptions=True)`."""
    error: str | None = None
    """`repr` of the task's exception when not `ok`."""


# Code mode (`runtime.codemode`): one agent run, per turn in this order
# ModelReplied, CodeChecked, (the sandbox run's own events), CodeRan, FeedbackSent.


@dataclass(frozen=True)
class AgentStarted:
    agent_run_id: str
    question: str
    max_turns: int


@dataclass(frozen=True)
class ModelReplied:
    agent_run_id: str
    turn: int
    duration_s: float
    ok: bool
    reply_chars: int
    has_code: bool
    error: str | None = None


@dataclass(frozen=True)
class CodeChecked:
    agent_run_id: str
    turn: int
    ok: bool
    codes: tuple[str, ...]
    duration_s: float


@dataclass(frozen=True)
class CodeRan:
    agent_run_id: str
    turn: int
    run_id: str
    ok: bool
    duration_s: float
    task_calls: int
    error: str | None = None


@dataclass(frozen=True)
class FeedbackSent:
    agent_run_id: str
    turn: int
    kind: str
    chars: int


@dataclass(frozen=True)
class AgentFinished:
    agent_run_id: str
    turns: int
    ok: bool
    reason: str
    duration_s: float
    error: str | None = None


RunEvent = Union[
    RunStarted, TaskCallStarted, TaskCallFinished, Output, RunFinished,
    AgentStarted, ModelReplied, CodeChecked, CodeRan, FeedbackSent, AgentFinished,
]
EventHook = Callable[[RunEvent], None]

_hooks: list[EventHook] = []
_lock = threading.Lock()


def add_event_hook(hook: EventHook) -> Callable[[], None]:
    """Send every run's events to `hook`; call the returned function to stop."""
    with _lock:
        _hooks.append(hook)

    def remove() -> None:
        with _lock:
            if hook in _hooks:
                _hooks.remove(hook)

    return remove


def active_hooks(extra: EventHook | None) -> tuple[EventHook, ...]:
    """The hooks for one run: the global ones plus the run's own."""
    hooks = tuple(_hooks)
    return hooks + (extra,) if extra is not None else hooks


def emit(hooks: tuple[EventHook, ...], event: RunEvent) -> None:
    for hook in hooks:
        try:
            hook(event)
        except Exception as exc:  # a broken tracer must not break the run
            warnings.warn(f"run event hook {hook!r} raised {exc!r}", RuntimeWarning, stacklevel=2)
