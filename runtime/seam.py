"""The task-call seam: the one place a call is decided and the one place its outcome is recorded.

Every task call of a run goes through `CallSeam`:

    decide(call)   before the call runs: an interceptor may answer it (the
                   journal replays a finished call, the cache has its result);
                   otherwise it runs
    started(call)  the call really starts (an attempt): `TaskCallStarted`
    record(call)   an attempt ended (or was answered): `TaskCallFinished`;
                   returns a delay when an interceptor wants another attempt
                   (retries), else None

and every run through `run_started` / `run_finished`. Interceptors are the
plug-ins of this seam: the journal, the cache, retries and tracing implement
`Interceptor`; the user's event hooks are an interceptor too. The structured
events are the one record of what happened: interceptors that record (the
journal, spans, the CLI trace) build from the events they receive, and the
driver emits each event exactly once, here.

An interceptor marked `strict` (the journal) fails the run when it raises: a
durable write that did not happen must not be ignored. Others (user hooks,
tracing) are reported with `warnings` and never break the run.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from . import events as ev
from .calls import TaskCall


@dataclass(frozen=True)
class Answer:
    """An outcome that did not need the task: from the journal or the cache."""

    value: Any = None
    error: BaseException | None = None
    source: str = "journal"  # "journal" or "cache"


class Interceptor:
    """A plug-in on the task-call seam. Every method is optional."""

    strict: ClassVar[bool] = True

    def answer(self, call: TaskCall) -> Answer | None:
        """Answer `call` without running it, or None to let it run."""
        return None

    def retry_delay(self, call: TaskCall, error: BaseException) -> float | None:
        """Seconds to wait before another attempt of a failed call, or None."""
        return None

    def on_event(self, event: ev.RunEvent) -> None:
        """Every event of the run, in order."""


class HookInterceptor(Interceptor):
    """The user's event hooks (`on_event=`, `add_event_hook`): never break a run."""

    strict = False

    def __init__(self, hooks: Sequence[ev.EventHook]) -> None:
        self.hooks = tuple(hooks)

    def on_event(self, event: ev.RunEvent) -> None:
        for hook in self.hooks:
            try:
                hook(event)
            except Exception as exc:  # a broken tracer must not break the run
                warnings.warn(f"run event hook {hook!r} raised {exc!r}", RuntimeWarning, stacklevel=2)


class InterceptorFailed(Exception):
    """A strict interceptor raised: the run stops with this as its cause."""

    def __init__(self, interceptor: Interceptor, error: BaseException) -> None:
        super().__init__(f"{type(interceptor).__name__} failed: {type(error).__name__}: {error}")
        self.interceptor = interceptor
        self.error = error


class CallSeam:
    """The interceptors of one run, and the events they see."""

    def __init__(self, run_id: str, interceptors: Sequence[Interceptor]) -> None:
        self.run_id = run_id
        self.interceptors = tuple(interceptors)
        self.deciders = tuple(i for i in self.interceptors if type(i).answer is not Interceptor.answer)
        self.retriers = tuple(i for i in self.interceptors if type(i).retry_delay is not Interceptor.retry_delay)
        self.listeners = tuple(i for i in self.interceptors if type(i).on_event is not Interceptor.on_event)
        # Nothing listens: the driver skips building events (the common, fast case).
        self.active = bool(self.listeners)

    def emit(self, event: ev.RunEvent) -> None:
        for interceptor in self.listeners:
            if not interceptor.strict:
                interceptor.on_event(event)
                continue
            try:
                interceptor.on_event(event)
            except Exception as exc:
                raise InterceptorFailed(interceptor, exc) from exc

    # -- the run -------------------------------------------------------------------------

    def run_started(self, name: str, inputs: dict[str, Any]) -> None:
        if self.active:
            self.emit(ev.RunStarted(self.run_id, name, dict(inputs)))

    def run_finished(self, name: str, ok: bool, duration_s: float, task_calls: int, value: Any, error: str | None) -> None:
        if self.active:
            self.emit(ev.RunFinished(self.run_id, name, ok, duration_s, task_calls, error, value))

    # -- one call ------------------------------------------------------------------------

    def decide(self, call: TaskCall) -> Answer | None:
        """Before `call` runs: the first interceptor's answer, or None (run it)."""
        for interceptor in self.deciders:
            try:
                answer = interceptor.answer(call)
            except Exception as exc:
                if not interceptor.strict:
                    warnings.warn(f"{interceptor!r} raised {exc!r} deciding a call", RuntimeWarning, stacklevel=2)
                    continue
                raise InterceptorFailed(interceptor, exc) from exc
            if answer is not None:
                call.replayed = answer.source == "journal"
                call.cached = answer.source == "cache"
                call.started = call.finished = time.perf_counter()
                call.result = answer.value
                call.error = answer.error
                return answer
        return None

    def started(self, call: TaskCall) -> None:
        """An attempt of `call` starts now (the executor has it, or is about to)."""
        call.started = time.perf_counter()
        if self.active:
            self.emit(ev.TaskCallStarted(
                self.run_id, call.key, call.seq, call.task.name, call.args, call.kwargs, call.line, call.attempt,
            ))

    def record(self, call: TaskCall) -> float | None:
        """An attempt of `call` ended (or was answered): record it; a retry delay or None."""
        if self.active:
            if call.replayed or call.cached:
                # Answered calls start and end at once, so every recorder sees a pair.
                self.emit(ev.TaskCallStarted(
                    self.run_id, call.key, call.seq, call.task.name, call.args, call.kwargs, call.line, call.attempt,
                    call.replayed, call.cached,
                ))
            error = call.error
            self.emit(ev.TaskCallFinished(
                self.run_id, call.key, call.seq, call.task.name, call.finished - call.started, error is None,
                None if error is None else repr(error), call.attempt, call.replayed, call.cached,
                call.result if error is None else None, error,
            ))
        if call.error is None or call.replayed or call.cached:
            return None
        for interceptor in self.retriers:
            delay = interceptor.retry_delay(call, call.error)
            if delay is not None:
                return max(0.0, float(delay))
        return None
