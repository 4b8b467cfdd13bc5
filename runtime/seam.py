"""The task-call seam: the one place a call is decided and the one place its outcome is recorded.

Every task call of a run goes through `CallSeam`:

    decide(call)        before the call runs: an interceptor may answer it (the
                        journal replays a finished call, the cache has its
                        result); otherwise it runs
    started(call)       the call really starts (an attempt): `TaskCallStarted`,
    started_all(calls)  then `flush`: what interceptors deferred is made durable
                        before the call (or the round of calls) proceeds
    record(call)        an attempt ended (or was answered): `TaskCallFinished`;
                        returns a delay when an interceptor wants another
                        attempt (retries), else None

and every run through `run_started` (where an interceptor may answer the whole
run: a journal whose run already finished) / `run_finished`. Interceptors are the
plug-ins of this seam: the journal, the cache, retries and tracing implement
`Interceptor`; the user's event hooks are an interceptor too. The structured
events are the one record of what happened: interceptors that record (the
journal, spans, the CLI trace) build from the events they receive, and the
driver emits each event exactly once, here.

An interceptor marked `strict` (the journal) fails the run when it raises: a
durable write that did not happen must not be ignored. Others (user hooks,
tracing) are reported with `warnings` and never break the run. A strict
interceptor that raises a `SandboxError` (a replay that diverged, a value too
large to record) fails the run with that very error; anything else it raises
becomes `InterceptorFailed`. The `RunFinished` of a failed run reaches every
listener even when one of them fails, so spans and hooks always see a run end;
a successful run whose end a strict interceptor could not record fails, and
ends with that failure.

Writes may be deferred: an interceptor that pays per write (a journal)
buffers what it receives in `on_event` and writes it in `flush`, which the seam
calls once an attempt, or a round of attempts (`started_all`), is about to
start, before the scheduler blocks waiting for calls, and before a retry's
delay. So the end of one call and the start of the next, or all the starts of
a fan-out, cost one transaction, nothing starts before its start record is
durable, and an ended call waits to be written only while the sandbox itself
computes.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from . import events as ev
from .calls import TaskCall
from .errors import SandboxError


@dataclass(frozen=True)
class Answer:
    """An outcome that did not need the task: from the journal or the cache."""

    value: Any = None
    error: BaseException | None = None
    source: str = "journal"  # "journal" or "cache"


@dataclass(frozen=True)
class RunAnswer:
    """The outcome of a whole run that did not need to run (a journal holds it):
    its value, or the error to raise; `calls` are the run's recorded calls."""

    value: Any = None
    error: SandboxError | None = None
    calls: tuple[TaskCall, ...] = ()


class Interceptor:
    """A plug-in on the task-call seam. Every method is optional."""

    strict: ClassVar[bool] = True
    sees_replayed: ClassVar[bool] = True
    """False: the events of calls answered from the journal are not sent to it
    (the journal itself already holds them); the run skips building them when
    no listener wants them."""

    def answer_run(self, name: str, inputs: dict[str, Any]) -> RunAnswer | None:
        """The run starts: answer all of it without running it, or None to run it."""
        return None

    def answer(self, call: TaskCall) -> Answer | None:
        """Answer `call` without running it, or None to let it run."""
        return None

    def flush(self) -> None:
        """Make durable what `on_event` deferred: an attempt is about to start."""

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
        self.run_deciders = tuple(i for i in self.interceptors if _overrides(i, "answer_run"))
        self.deciders = tuple(i for i in self.interceptors if _overrides(i, "answer"))
        self.retriers = tuple(i for i in self.interceptors if _overrides(i, "retry_delay"))
        self.listeners = tuple(i for i in self.interceptors if _overrides(i, "on_event"))
        self.replay_listeners = tuple(i for i in self.listeners if i.sees_replayed)
        self.flushers = tuple(i for i in self.interceptors if _overrides(i, "flush"))
        # Nothing listens: the driver skips building events (the common, fast case).
        self.active = bool(self.listeners)

    def emit(self, event: ev.RunEvent, listeners: Sequence[Interceptor] | None = None) -> None:
        if type(event) is ev.RunFinished and not event.ok:
            self._emit_to_all(event)  # the last event of a failed run: everyone sees the end
            return
        for interceptor in self.listeners if listeners is None else listeners:
            if not interceptor.strict:
                interceptor.on_event(event)
                continue
            try:
                interceptor.on_event(event)
            except SandboxError:
                raise
            except Exception as exc:
                raise InterceptorFailed(interceptor, exc) from exc

    def _emit_to_all(self, event: ev.RunEvent) -> None:
        """Every listener gets the event; the first strict failure is raised after."""
        failure: BaseException | None = None
        for interceptor in self.listeners:
            if not interceptor.strict:
                interceptor.on_event(event)
                continue
            try:
                interceptor.on_event(event)
            except SandboxError as exc:
                failure = failure or exc
            except Exception as exc:
                failure = failure or InterceptorFailed(interceptor, exc)
        if failure is not None:
            raise failure

    def flush(self) -> None:
        """Ask the interceptors that defer writes to make them durable now."""
        _first_answer(self.flushers, "flushing", lambda interceptor: interceptor.flush())

    # -- the run -------------------------------------------------------------------------

    def run_started(self, name: str, inputs: dict[str, Any]) -> RunAnswer | None:
        """The run starts: `RunStarted`, and an interceptor's answer for the whole run, if any."""
        if self.active:
            self.emit(ev.RunStarted(self.run_id, name, dict(inputs)))
        if not self.run_deciders:
            return None
        return _first_answer(self.run_deciders, "starting the run", lambda interceptor: interceptor.answer_run(name, inputs))

    def run_finished(self, name: str, ok: bool, duration_s: float, task_calls: int, value: Any, error: str | None) -> None:
        if self.active:
            self.emit(ev.RunFinished(self.run_id, name, ok, duration_s, task_calls, error, value))

    # -- one call ------------------------------------------------------------------------

    def decide(self, call: TaskCall) -> Answer | None:
        """Before `call` runs: the first interceptor's answer, or None (run it)."""
        answer = _first_answer(self.deciders, "deciding a call", lambda interceptor: interceptor.answer(call))
        if answer is not None:
            call.replayed = answer.source == "journal"
            call.cached = answer.source == "cache"
            call.started = call.finished = time.perf_counter()
            call.result = answer.value
            call.error = answer.error
        return answer

    def started(self, call: TaskCall) -> None:
        """An attempt of `call` starts now (the executor has it, or is about to)."""
        if self.active:
            self.emit(ev.TaskCallStarted(
                self.run_id, call.key, call.seq, call.task.name, call.args, call.kwargs, call.line, call.attempt,
            ))
        if self.flushers:
            self.flush()
        call.started = time.perf_counter()

    def started_all(self, calls: Sequence[TaskCall]) -> None:
        """A round of attempts starts now: their events, then one `flush` for all."""
        if self.active:
            for call in calls:
                self.emit(ev.TaskCallStarted(
                    self.run_id, call.key, call.seq, call.task.name, call.args, call.kwargs, call.line, call.attempt,
                ))
        if self.flushers:
            self.flush()
        now = time.perf_counter()
        for call in calls:
            call.started = now

    def record(self, call: TaskCall) -> float | None:
        """An attempt of `call` ended (or was answered): record it; a retry delay or None."""
        listeners = self.replay_listeners if call.replayed else self.listeners
        if listeners:
            if call.replayed or call.cached:
                # Answered calls start and end at once, so every recorder sees a pair.
                self.emit(ev.TaskCallStarted(
                    self.run_id, call.key, call.seq, call.task.name, call.args, call.kwargs, call.line, call.attempt,
                    call.replayed, call.cached,
                ), listeners)
            error = call.error
            self.emit(ev.TaskCallFinished(
                self.run_id, call.key, call.seq, call.task.name, call.finished - call.started, error is None,
                None if error is None else repr(error), call.attempt, call.replayed, call.cached,
                call.result if error is None else None, error,
            ), listeners)
        if call.error is None or call.replayed or call.cached:
            return None
        for interceptor in self.retriers:
            delay = interceptor.retry_delay(call, call.error)
            if delay is not None:
                if delay > 0 and self.flushers:
                    self.flush()  # the failed attempt is recorded before the wait
                return max(0.0, float(delay))
        return None


_T = TypeVar("_T")


def _first_answer(
    interceptors: Sequence[Interceptor], doing: str, ask: Callable[[Interceptor], _T | None]
) -> _T | None:
    """Ask each interceptor in turn; the first answer that is not None wins. A
    non-strict interceptor that raises is warned about and skipped; a strict one
    stops the run (`InterceptorFailed`); a SandboxError is the run's own."""
    for interceptor in interceptors:
        try:
            answer = ask(interceptor)
        except SandboxError:
            raise
        except Exception as exc:
            if not interceptor.strict:
                warnings.warn(f"{interceptor!r} raised {exc!r} {doing}", RuntimeWarning, stacklevel=3)
                continue
            raise InterceptorFailed(interceptor, exc) from exc
        if answer is not None:
            return answer
    return None


def _overrides(interceptor: Interceptor, method: str) -> bool:
    return getattr(type(interceptor), method) is not getattr(Interceptor, method)
