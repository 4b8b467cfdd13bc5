"""Drive one run of a `Program` in a Monty worker, answering its snapshots by hand.

The sandbox suspends at every external call; the driver answers:

* a task call: validate the arguments, then hand the call to the task-call
  seam (`seam.py`), which decides whether it runs (on the scheduler,
  `scheduler.py`) or is answered (journal, cache); in sync code the sandbox
  resumes with the value, in async code (awaited, or passed to `gather`)
  with a future, resolved at a `FutureSnapshot` once the call finished;
* `map_task(task, *iterables, ...)` and `flyte_map("task", *iterables, ...)`:
  the same for each element, bounded by its own concurrency; resumes with
  the list (or a future of it);
* an OS call (filesystem, environment, clock): Monty's default refusal;
* anything else: `NameError` in the sandbox.

The driver never emits an event or consults a journal itself: the seam does.

A future that is never awaited leaves the sandbox as the text
`'<coroutine external_future(N)>'` (N: the call id). `Run.unawaited_message`
maps that text back to the task call that made it, for an error that names
the call instead of a type mismatch.
"""

from __future__ import annotations

import ast
import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from pydantic_monty import (
    FunctionSnapshot,
    FutureSnapshot,
    MontyComplete,
    MontyConversionError,
    MontyCrashedError,
    MontyError,
    MontyRuntimeError,
    MontySyntaxError,
    MontyTypingError,
    NameLookupSnapshot,
)

from sandbox_lint.diagnostics import Diagnostic

from . import events as ev
from .events import CallRecord
from .boundary import Budget, _Mismatch, check_depth, short_repr, validate
from .calls import CallGroup, TaskCall
from .errors import (
    BoundaryTypeError,
    LimitExceeded,
    RejectedError,
    SandboxError,
    SandboxRuntimeError,
    TaskError,
    TypeCheckError,
    WorkerCrashedError,
)
from .gate import render_llm
from .pool import Guard, get_pool, guard, quiet_imports, run_level
from .printed import Printed
from .program import FLYTE_MAP, GATHER_PRELUDE, MAP_TASK, Program
from .scheduler import Abort, Scheduler
from .seam import CallSeam, HookInterceptor, Interceptor, InterceptorFailed, RunAnswer
from .tasks import Task

FIXED_CLOCK = datetime(2000, 1, 1, tzinfo=timezone.utc)
RANDOM_SEED = 0
OS_POLICY: Any = {
    "datetime": FIXED_CLOCK,
    "random_start": {"seed": RANDOM_SEED},
    "sleep": "zero",
    "process_time": "zero",
}
_FUTURE: Any = {"future": ...}
FUTURE_TEXT = re.compile(r"<coroutine external_future\((\d+)\)>")
"""How Monty passes an un-awaited future out of the sandbox (`Run.unawaited_message`)."""
_FUTURE_PREFIX = "<coroutine external_future("
_RANGE_TEXT = re.compile(r"range\((-?\d+), (-?\d+)(?:, (-?\d+))?\)")


@dataclass(frozen=True)
class RunResult:
    """What a run returns: the value, the captured output and the task calls."""

    value: Any
    output: str
    streams: tuple[tuple[str, str], ...]
    run_id: str
    duration_s: float
    raw_calls: tuple[TaskCall, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def calls(self) -> tuple[CallRecord, ...]:
        """The task calls in the order the sandbox made them (built on first access)."""
        return tuple(call.record() for call in self.raw_calls)


class Run:
    """The state of one run; `execute()` drives it to a `RunResult`."""

    def __init__(
        self,
        program: Program,
        on_event: ev.EventHook | None = None,
        interceptors: Sequence[Interceptor] = (),
        run_id: str | None = None,
    ) -> None:
        self.program = program
        self.limits = program.limits
        self.executor = program.executor
        self.run_id = run_id or uuid.uuid4().hex[:12]
        hooks = ev.active_hooks(on_event)
        chain = [*interceptors, *([HookInterceptor(hooks)] if hooks else [])]
        self.seam = CallSeam(self.run_id, chain)
        # Sequential sync calls run on this thread when nothing needs the
        # executor (no per-task timeout): it would only block waiting anyway.
        self.inline_ok = self.executor is None and self.limits.task_timeout_s is None
        self.calls: list[TaskCall] = []
        self.by_call_id: dict[int, TaskCall | CallGroup] = {}
        # every future handed to the sandbox: call id -> (callee, byte offset of the call)
        self.future_sites: dict[int, tuple[str, int | None]] = {}
        self.guard: Guard | None = None
        self.collector = Printed(self.limits.max_output_bytes, self._stop_worker)
        self.budget = Budget(self.limits)
        self.output_seen = 0
        self.started = 0.0
        self.scheduler = Scheduler(self.executor, self.limits, self.seam, 0.0, self.calls)
        self.feed_name = "<python-input-0>"
        self._arg_error: BaseException | None = None

    # ----------------------------------------------------------------- running

    def execute(self, inputs: dict[str, Any]) -> RunResult:
        program = self.program
        self.started = time.perf_counter()
        self.scheduler.deadline = self.started + self.limits.run_timeout_s
        try:
            answer = self.seam.run_started(program.name, inputs)
            if answer is not None:
                return self._answered(answer)
            fed_inputs = self._validate_inputs(inputs)
            value = self._drive(fed_inputs)
            self._finish(ok=True, value=value, error=None)
        except Abort as abort:
            self._fail(abort.error)
            if abort.cause is not None:
                raise abort.error from abort.cause
            raise abort.error from None
        except InterceptorFailed as failure:
            error = SandboxError(f"the run stopped: {failure}")
            self._fail(error)
            raise error from failure.error
        except SandboxError as error:
            self._fail(error)
            raise
        except KeyboardInterrupt:
            self._fail(SandboxError("the run was interrupted (KeyboardInterrupt)"), interrupted=True)
            raise
        return RunResult(
            value=value,
            output=self.output(),
            streams=tuple(self.collector.output),
            raw_calls=tuple(self.calls),
            run_id=self.run_id,
            duration_s=time.perf_counter() - self.started,
        )

    def _answered(self, answer: RunAnswer) -> RunResult:
        """The whole run was answered (a journal holds its outcome): nothing runs."""
        self.calls.extend(answer.calls)
        if answer.error is not None:
            raise answer.error
        self._finish(ok=True, value=answer.value, error=None)
        return RunResult(
            value=answer.value, output="", streams=(), raw_calls=tuple(self.calls), run_id=self.run_id,
            duration_s=time.perf_counter() - self.started,
        )

    def _fail(self, error: SandboxError, *, interrupted: bool = False) -> None:
        """Clean up after a failed run and record it; an interrupted run (Ctrl-C)
        records no `RunFinished`, so a journaled run stays resumable, as after a crash."""
        self.scheduler.cancel_pending()
        error.output = self.output()
        error.calls = tuple(call.record() for call in self.calls if call.done)
        error.run_id = self.run_id
        if interrupted:
            return
        try:
            self._finish(ok=False, value=None, error=error)
        except InterceptorFailed:
            pass  # the run already failed; the first error is the one to report

    def _validate_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        validators = self.program.input_validators
        unknown = sorted(set(inputs) - set(validators))
        if unknown:
            raise BoundaryTypeError(
                f"inputs.{unknown[0]}: not a declared input (declared: {', '.join(sorted(validators)) or 'none'})",
                path=f"inputs.{unknown[0]}", expected="no such input", got=type(inputs[unknown[0]]).__name__,
            )
        fed: dict[str, Any] = {}
        for name, validator in validators.items():
            if name not in inputs:
                spec = self.program.input_specs.get(name)
                raise BoundaryTypeError(
                    f"inputs.{name}: missing (expected {spec.render() if spec else 'a value'})",
                    path=f"inputs.{name}", expected=spec.render() if spec else "a value", got="nothing",
                )
            check_depth(inputs[name], f"inputs.{name}", self.limits.max_value_depth)
            fed[name] = validate(inputs[name], validator, f"inputs.{name}")
        return fed

    def _drive(self, inputs: dict[str, Any]) -> Any:
        program = self.program
        limits = self.limits
        type_check = program.type_check and not program.type_checked
        pool = get_pool()
        checkout = pool.checkout(
            script_name=program.filename if program.filename.endswith(".py") else "main.py",
            limits=limits.monty_limits(),  # type: ignore[arg-type]
            os_policy=OS_POLICY,
            type_check=type_check,
            type_check_stubs=program.type_stub() if type_check else None,
            type_check_format="json" if type_check else None,
        )
        try:
            with checkout as session, guard(session) as self.guard:
                if program.needs_gather:
                    session.feed_run(GATHER_PRELUDE, skip_type_check=True)
                    self.feed_name = "<python-input-1>"
                with quiet_imports():
                    snap = session.feed_start(
                        program.text,
                        inputs=inputs,
                        external_lookup=program.external_lookup,
                        print_callback=self.collector,
                    )
                if type_check:
                    program.type_checked = True
                value = self._loop(snap)
        except MontyTypingError as exc:
            raise self._typing_error(exc) from None
        except MontyCrashedError as exc:
            if self.collector.overflowed:
                raise self._output_exceeded() from None
            if self.guard is not None and self.guard.interrupted:
                raise KeyboardInterrupt from None
            if exc.timed_out:
                raise LimitExceeded(
                    f"the sandbox overran its time limit ({limits.timeout_ms} ms) and the host killed the worker",
                    limit="time", value=limits.timeout_ms,
                ) from None
            raise WorkerCrashedError(f"the Monty worker crashed: {exc}") from None
        except MontyConversionError as exc:
            raise BoundaryTypeError(f"a value could not cross into the sandbox: {exc}", path="inputs", expected="a boundary value", got="unconvertible") from None
        except (MontyRuntimeError, MontySyntaxError) as exc:
            if self.collector.overflowed:
                raise self._output_exceeded() from None
            raise self._runtime_error(exc) from None
        except MontyError as exc:
            raise WorkerCrashedError(f"the Monty worker failed: {exc}") from None
        finally:
            self.guard = None
        return validate(value, program.output_validator, "output", describe=self.unawaited_message)

    def _loop(self, snap: Any) -> Any:
        tasks = self.program.tasks
        call_names = self.program.call_names
        async_offsets = self.program.async_offsets
        batches = self.scheduler.batches
        while True:
            kind = type(snap)
            if batches and self.scheduler.waiting and not (
                kind is FunctionSnapshot and call_names.get(snap.function_name, snap.function_name) in tasks
            ):
                # A remote executor's calls wait only while the sandbox keeps issuing calls
                # back to back; anything else (a wait, a lookup, the end) starts them.
                self.scheduler.launch_ready()
            if kind is FunctionSnapshot:
                if snap.is_os_function:
                    snap = snap.resume_not_handled()
                    continue
                name = call_names.get(snap.function_name, snap.function_name)
                if snap.object_id is not None:  # a method call on an opaque handle
                    snap = snap.resume({"exception": AttributeError(f"handles have no attribute {name!r}")})
                    continue
                task = tasks.get(name)
                if task is None and name != MAP_TASK and name != FLYTE_MAP:
                    snap = snap.resume({"exception": NameError(f"name {name!r} is not defined")})
                    continue
                in_async = bool(async_offsets) and snap.position.start in async_offsets
                args = snap.args
                kwargs = snap.kwargs
                # leaving the sandbox: measured before anything on the host expands them
                if kwargs or not self.budget.charge_flat(args):
                    self._charge(name, task, args, kwargs)
                if self.future_sites:
                    self._refuse_unawaited((args, kwargs), name, snap.position)
                if task is None:
                    snap = self._map_task(snap, in_async) if name == MAP_TASK else self._flyte_map(snap, in_async)
                    continue
                call = self._new_call(task, args, kwargs, snap.position)
                if call is None:  # arguments rejected: raised in the sandbox
                    snap = snap.resume({"exception": self._arg_error})
                    continue
                if in_async:
                    self.by_call_id[snap.call_id] = call
                    self.future_sites[snap.call_id] = (name, call.offset)
                    self._issue(call)
                    snap = snap.resume(_FUTURE)
                else:
                    snap = snap.resume({"return_value": self._run_now(call)})
            elif kind is FutureSnapshot:
                snap = snap.resume(self._collect(snap.pending_call_ids))
            elif kind is NameLookupSnapshot:
                if snap.object_id is not None:  # an attribute of an opaque handle
                    snap = snap.resume()
                    continue
                value = self.program.external_lookup.get(snap.variable_name)
                snap = snap.resume(value=value) if value is not None else snap.resume()
            elif kind is MontyComplete:
                value = snap.output
                self.budget.charge(value, "output")
                if self.future_sites:
                    self._refuse_unawaited(value, None, None)
                return value
            else:  # pragma: no cover - a new snapshot kind in a future Monty
                raise WorkerCrashedError(f"unexpected Monty snapshot {snap!r}")

    # -------------------------------------------------------------- task calls

    def _line_of(self, position: Any) -> int | None:
        offset = self._offset_of(position)
        return None if offset is None else self.program.line_at(offset)

    @staticmethod
    def _offset_of(position: Any) -> int | None:
        return None if position.end == 0 else int(position.start)

    def _new_call(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], position: Any) -> TaskCall | None:
        if len(self.calls) >= self.limits.max_task_calls:
            raise Abort(LimitExceeded(
                f"task call limit reached: the run made more than {self.limits.max_task_calls} task calls "
                f"(at `{task.name}`, line {self._line_of(position)}); raise `max_task_calls` or batch the work with map_task",
                limit="task_calls", value=self.limits.max_task_calls,
            ))
        try:
            args, kwargs = self._check_args(task, args, kwargs)
        except TypeError as exc:  # wrong arity reaches the sandbox as Python would raise it
            self._arg_error = exc
            return None
        call = TaskCall(len(self.calls) + 1, task, args, kwargs, self.program.lines, self._offset_of(position))
        self.calls.append(call)
        if self.seam.active:
            self._flush_output()  # printed before this call: keep the order in the event stream
        return call

    def _check_args(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        positional = task.positional
        if positional is not None and not kwargs and len(args) == len(positional):
            try:  # hot path: no path strings unless a value is wrong
                return tuple([check(value) for (_, check), value in zip(positional, args)]), {}
            except _Mismatch:
                for (name, validator), value in zip(positional, args):
                    self._validate_arg(task, name, validator, value)
        bound = task.py_signature.bind(*args, **kwargs)  # TypeError on bad arity
        for name, value in list(bound.arguments.items()):
            param = task.py_signature.parameters[name]
            validator = task.arg_validators[name]
            if param.kind is param.VAR_POSITIONAL:
                bound.arguments[name] = tuple(self._validate_arg(task, f"{name}[{i}]", validator, v) for i, v in enumerate(value))
            elif param.kind is param.VAR_KEYWORD:
                bound.arguments[name] = {k: self._validate_arg(task, f"{name}[{k!r}]", validator, v) for k, v in value.items()}
            else:
                bound.arguments[name] = self._validate_arg(task, name, validator, value)
        return tuple(bound.args), dict(bound.kwargs)

    def _validate_arg(self, task: Task, name: str, validator: Any, value: Any) -> Any:
        try:
            return validate(value, validator, f"{task.name}.{name}", describe=self.unawaited_message)
        except BoundaryTypeError as exc:
            raise Abort(BoundaryTypeError(
                f"task `{task.name}` argument {exc.message}", path=exc.path, expected=exc.expected, got=exc.got
            )) from None

    def _issue(self, call: TaskCall) -> None:
        """Hand a new call to the seam: answered now, or queued to run."""
        if self.seam.deciders and self.seam.decide(call) is not None:
            self._complete(call)
        else:
            self.scheduler.enqueue(call)
            if not self.scheduler.batches:
                self.scheduler.launch_ready()
            # A remote executor gets the calls when the sandbox waits for one:
            # `[fetch(u) for u in urls]` reaches Dask as one batch, not one message each.

    def _run_now(self, call: TaskCall) -> Any:
        """A call in sync code: its value is needed before the sandbox goes on."""
        if self.seam.deciders and self.seam.decide(call) is not None:
            self._complete(call)
            return call.result
        if self.inline_ok and not call.task.is_async:
            while not call.done:
                if call.not_before:  # a retry waits out its delay on this thread
                    time.sleep(max(0.0, call.not_before - time.perf_counter()))
                self.seam.started(call)
                try:
                    call.result = call.task.func(*call.args, **call.kwargs)
                except Exception as exc:
                    call.error = exc
                call.finished = time.perf_counter()
                self._complete(call)
                if call.finished > self.scheduler.deadline:
                    self.scheduler.raise_run_timeout()
            return call.result
        self.scheduler.enqueue(call)
        while not call.done:
            self._wait_round()
        return call.result

    def _wait_round(self) -> None:
        for call in self.scheduler.wait_round():
            self._complete(call)
        self.scheduler.launch_ready()

    def _complete(self, call: TaskCall) -> None:
        """An attempt of `call` ended (or was answered): validate, record, retry or settle."""
        if call.error is None and type(call.result) in (list, tuple, dict):
            try:  # a task's value enters the sandbox: bounded in depth like every crossing
                check_depth(call.result, f"{call.task.name}.return", self.limits.max_value_depth)
            except LimitExceeded as exc:
                call.error = exc
        if call.error is None:
            try:
                call.result = call.task.result_validator(call.result)
            except _Mismatch:
                try:
                    validate(call.result, call.task.result_validator, f"{call.task.name}.return")
                except BoundaryTypeError as exc:
                    call.error = exc
        delay = self.seam.record(call)
        if delay is not None:
            call.attempt += 1
            call.error = None
            call.result = None
            call.finished = 0.0
            call.not_before = time.perf_counter() + delay
            if not (self.inline_ok and not call.task.is_async and call.group is None and call.future is None):
                self.scheduler.enqueue(call)
            return
        self._settle(call)

    def _settle(self, call: TaskCall) -> None:
        """A call's final outcome: its value stays on the call; an error stops the run."""
        error = call.error
        if error is None:
            return
        if call.group is not None and call.group.return_exceptions:
            call.result = error
            return
        if isinstance(error, BoundaryTypeError):
            raise Abort(BoundaryTypeError(
                f"task `{call.task.name}` returned a wrong type: {error.message}",
                path=error.path, expected=error.expected, got=error.got,
            ))
        if isinstance(error, LimitExceeded) and (error.path or "").startswith(f"{call.task.name}.return"):  # check_depth's
            raise Abort(LimitExceeded(
                f"task `{call.task.name}` returned a value past a limit: {error.message}",
                limit=error.limit, value=error.value, path=error.path, size=error.size,
            ))
        raise Abort(self._task_error(call, error), error)

    def _task_error(self, call: TaskCall, error: BaseException) -> TaskError:
        shown = ", ".join([*(_short(a) for a in call.args), *(f"{k}={_short(v)}" for k, v in call.kwargs.items())])
        source_line = self.program.source_line(call.line)
        where = f"{self.program.filename}:{call.line}" if call.line else self.program.filename
        message = (
            f"task `{call.task.name}({shown})` failed with {type(error).__name__}: {error}\n"
            f"  called at {where}" + (f": {source_line}" if source_line else "")
        )
        return TaskError(
            message, task=call.task.name, args=call.args, kwargs=call.kwargs, call_key=call.key,
            filename=self.program.filename, line=call.line, source_line=source_line, original=error,
        )

    # --------------------------------------------------------- the boundary

    def _charge(self, name: str, task: Task | None, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """A call's arguments leave the sandbox: measure them against the boundary
        budget before anything on the host expands them (validation, call keys, events)."""
        params = [] if task is None else list(task.py_signature.parameters)
        parts = [(f"{name}.{params[i]}" if i < len(params) else f"{name}.args[{i}]", value) for i, value in enumerate(args)]
        parts.extend((f"{name}.{key}", value) for key, value in kwargs.items())
        self.budget.charge_parts(parts)

    def _stop_worker(self) -> None:
        if self.guard is not None:
            self.guard.stop()

    def _output_exceeded(self) -> LimitExceeded:
        limit = self.limits.max_output_bytes
        return LimitExceeded(
            f"the program printed more than max_output_bytes={limit} bytes; the run was stopped there",
            limit="output", value=limit,
        )

    # ------------------------------------------------------------- concurrency

    def _collect(self, pending: list[int]) -> dict[int, Any]:
        """Settled results for the pending futures that are done (at least one)."""
        while True:
            results: dict[int, Any] = {}
            for call_id in pending:
                item = self.by_call_id.get(call_id)
                if item is None:
                    continue
                if isinstance(item, CallGroup):
                    if item.done:
                        results[call_id] = {"return_value": [c.result for c in item.calls]}
                elif item.done:
                    results[call_id] = {"return_value": item.result}
            if results:
                for call_id in results:
                    del self.by_call_id[call_id]
                return results
            self._wait_round()

    def _map_task(self, snap: Any, in_async: bool) -> Any:
        args = snap.args
        kwargs = dict(snap.kwargs)
        concurrency = kwargs.pop("concurrency", None)
        return_exceptions = kwargs.pop("return_exceptions", False)
        problem: Exception | None = None
        if kwargs:
            problem = TypeError(f"map_task() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        elif len(args) < 2:
            problem = TypeError("map_task() needs a task and at least one iterable: map_task(task, items, ...)")
        elif concurrency is not None and (type(concurrency) is not int or concurrency < 1):
            problem = ValueError("map_task(): concurrency must be a positive int or None")
        task = None if problem else self.program.task_named(args[0])
        if problem is None and task is None:
            problem = TypeError(f"map_task(): the first argument must be a task (one of: {', '.join(sorted(self.program.tasks)) or 'none'})")
        if problem is not None or task is None:
            return snap.resume({"exception": problem})
        iterables = [list(iterable) if isinstance(iterable, (list, tuple)) else iterable for iterable in args[1:]]
        if not all(isinstance(iterable, list) for iterable in iterables):
            return snap.resume({"exception": TypeError("map_task(): iterables must be lists or tuples")})
        return self._start_group(snap, in_async, MAP_TASK, task, iterables, concurrency, bool(return_exceptions))

    def _flyte_map(self, snap: Any, in_async: bool) -> Any:
        """Flyte's `flyte_map("task_name", *iterables, concurrency=, return_exceptions=, group_name=)`,
        with Flyte's error texts; `return_exceptions` defaults to True, as in Flyte."""
        args = snap.args
        if args and type(args[0]) is str and args[0] in self.program.call_names:  # the task itself, passed by value
            args = (self.program.call_names[args[0]], *args[1:])
        kwargs = dict(snap.kwargs)
        concurrency = kwargs.pop("concurrency", None)
        return_exceptions = kwargs.pop("return_exceptions", True)
        group_name = kwargs.pop("group_name", None)
        tasks = self.program.tasks
        problem: Exception | None = None
        if len(args) < 2:
            problem = RuntimeError("flyte_map requires at least 2 arguments: flyte_map(task_name, iterable, ...)")
        elif kwargs:
            problem = TypeError(
                f"flyte_map() got unexpected keyword argument(s): {', '.join(sorted(kwargs))} "
                "(it takes concurrency=, return_exceptions=, group_name=)"
            )
        elif not isinstance(args[0], str):
            problem = RuntimeError(f"flyte_map first argument must be a task name string, got {_kind(args[0])}")
        elif args[0] not in tasks:
            problem = RuntimeError(_flyte_map_unknown(args[0], tasks))
        elif concurrency is not None and (type(concurrency) is not int or concurrency < 0):
            problem = ValueError("flyte_map(): concurrency must be an int >= 0 (0: no bound of its own) or None")
        elif type(return_exceptions) is not bool:
            problem = TypeError(f"flyte_map(): return_exceptions must be True or False, got {return_exceptions!r}")
        elif group_name is not None and not isinstance(group_name, str):
            problem = TypeError(f"flyte_map(): group_name must be a string or None, got {_kind(group_name)}")
        iterables: list[Any] = []
        for iterable in args[1:] if problem is None else ():
            values = _iterate(iterable)
            if values is None:
                problem = TypeError(f"'{_kind(iterable)}' object is not iterable")
                break
            iterables.append(values)
        if problem is not None:
            return snap.resume({"exception": problem})
        return self._start_group(snap, in_async, FLYTE_MAP, tasks[args[0]], iterables, concurrency or None, return_exceptions)

    def _start_group(
        self, snap: Any, in_async: bool, callee: str, task: Task, iterables: list[Any],
        concurrency: int | None, return_exceptions: bool,
    ) -> Any:
        """Start one call per zipped element; resume with the list, or a future of it."""
        group = CallGroup(concurrency or self.limits.concurrency, return_exceptions)
        for element_args in zip(*iterables):
            call = self._new_call(task, tuple(element_args), {}, snap.position)
            if call is None:
                return snap.resume({"exception": self._arg_error})
            call.group = group
            group.calls.append(call)
        for call in group.calls:
            if self.seam.deciders and self.seam.decide(call) is not None:
                self._complete(call)
            else:
                self.scheduler.enqueue(call)
        self.scheduler.launch_ready()
        if in_async:
            self.by_call_id[snap.call_id] = group
            self.future_sites[snap.call_id] = (callee, self._offset_of(snap.position))
            return snap.resume(_FUTURE)
        while not group.done:
            self._wait_round()
        return snap.resume({"return_value": [call.result for call in group.calls]})

    # ---------------------------------------------------- un-awaited futures

    def unawaited_message(self, value: Any) -> str | None:
        """When `value` is the text Monty passes out for an un-awaited future of
        this run (`'<coroutine external_future(N)>'`), the message naming the
        task call that made it and saying to await it; else None."""
        if type(value) is not str:
            return None
        match = FUTURE_TEXT.search(value)
        if match is None:
            return None
        site = self.future_sites.get(int(match.group(1)))
        if site is None:
            return None
        callee, offset = site
        text = _short_text(self.program.call_source(offset) or f"{callee}(...)")
        line = None if offset is None else self.program.line_at(offset)
        where = f" (line {line})" if line is not None else ""
        kind = "call" if callee in (MAP_TASK, FLYTE_MAP) else "task call"
        return (
            f"the {kind} `{text}`{where} was not awaited, so its result was never taken: in async code a "
            f"task call gives an awaitable, not its value; write `await {text}`, or pass it to `gather(...)`"
        )

    def _refuse_unawaited(self, value: Any, callee: str | None, position: Any) -> None:
        """Stop the run when an un-awaited future's text reaches a call (`callee`
        at `position`) or, with `callee` None, the result."""
        stack = [value]
        seen: set[int] = set()  # a shared part is looked at once
        while stack:
            item = stack.pop()
            kind = type(item)
            if kind is list or kind is tuple or kind is dict:
                if id(item) in seen:
                    continue
                seen.add(id(item))
            if kind is str:
                if _FUTURE_PREFIX in item:
                    message = self.unawaited_message(item)
                    if message is not None:
                        where = "the result" if callee is None else f"`{callee}(...)` at line {self._line_of(position)}"
                        raise Abort(BoundaryTypeError(
                            f"{where}: {message}", path=where, expected="a value", got="an un-awaited task call",
                        ))
            elif kind is list or kind is tuple:
                stack.extend(item)
            elif kind is dict:
                stack.extend(item.keys())
                stack.extend(item.values())

    def _pending_futures_hint(self) -> str:
        """For a sandbox error about a coroutine: the task calls not awaited so far."""
        names = [
            self.unawaited_message(f"{_FUTURE_PREFIX}{call_id})>") for call_id in self.by_call_id if call_id in self.future_sites
        ]
        shown = [name for name in names if name][:3]
        return "".join(f"\n  {text}" for text in shown)

    # ------------------------------------------------------------------ output

    def output(self) -> str:
        return "".join(text for _, text in self.collector.output)

    def _flush_output(self) -> None:
        chunks = self.collector.output
        for stream, text in chunks[self.output_seen:]:
            self.seam.emit(ev.Output(self.run_id, stream, text))
        self.output_seen = len(chunks)

    def _finish(self, *, ok: bool, value: Any, error: SandboxError | None) -> None:
        if not self.seam.active:
            return
        self._flush_output()
        self.seam.run_finished(
            self.program.name, ok, time.perf_counter() - self.started, len(self.calls), value,
            None if error is None else f"{type(error).__name__}: {error.message}",
        )

    # ------------------------------------------------------------------ errors

    def _runtime_error(self, exc: MontyRuntimeError | MontySyntaxError) -> SandboxError:
        inner = exc.exception()
        exc_type = type(inner).__name__
        limits = self.limits
        cap = limits.max_output_bytes
        message = _clip(str(inner), cap)
        frames = exc.traceback() if hasattr(exc, "traceback") else []
        limit = self._limit_hit(exc_type, message, frames)
        if limit == "memory":
            return LimitExceeded(f"the sandbox exceeded its memory limit (max_memory={limits.max_memory} bytes): {message}", limit="memory", value=limits.max_memory)
        if limit == "time":
            return LimitExceeded(f"the sandbox exceeded its execution time limit (timeout_ms={limits.timeout_ms}): {message}", limit="time", value=limits.timeout_ms)
        if limit == "recursion":
            return LimitExceeded(f"the sandbox exceeded its recursion limit (max_stack_depth={limits.max_stack_depth})", limit="recursion", value=limits.max_stack_depth)
        if limit == "task_calls":
            return LimitExceeded(f"the sandbox exceeded its suspension limit ({message}); raise max_task_calls", limit="task_calls", value=limits.max_task_calls)
        line: int | None = None
        for frame in frames:
            if frame.filename == self.feed_name:
                line = frame.line
        source_line = self.program.source_line(line)
        filename = self.program.filename
        where = f"{filename}:{line}" if line else filename
        text = f"{where}: {exc_type}: {message}"
        if source_line:
            text += f"\n    {source_line}"
        if exc_type == "TypeError" and "'coroutine'" in message and self.by_call_id:
            text += self._pending_futures_hint()
        display = exc.display() if hasattr(exc, "display") else str(exc)
        return SandboxRuntimeError(
            text, exc_type=exc_type, exc_message=message, filename=filename, line=line,
            source_line=source_line, traceback_text=_clip(display.replace(self.feed_name, filename), cap),
        )

    def _limit_hit(self, exc_type: str, message: str, frames: list[Any]) -> str | None:
        """Which limit raised this exception, if one did. A program can raise
        `TimeoutError('time limit exceeded: ...')` itself; a limit's error never
        comes from a `raise` statement: Monty raises the time limit with no
        frame at all, the others at the expression that ran out."""
        if exc_type not in _LIMIT_EXCEPTIONS:
            return None
        if exc_type == "TimeoutError":
            return "time" if not frames and "time limit exceeded" in message else None
        if exc_type == "MemoryError":
            kind = "memory"
        elif exc_type == "RecursionError" and message.startswith("maximum recursion depth"):
            kind = "recursion"
        elif exc_type == "RuntimeError" and _SUSPENSION_LIMIT.fullmatch(message):
            kind = "task_calls"
        else:
            return None
        if not frames:
            return kind
        frame = frames[-1]
        if frame.filename == self.feed_name:
            by_program = (frame.line, frame.column, frame.end_line, frame.end_column) in self._raise_sites()
        elif frame.source_line is None:  # text the program built at run time (ungated `exec`): never trusted as a limit
            by_program = True
        else:
            by_program = _RAISE_BEFORE.search(frame.source_line[: max(frame.column - 1, 0)]) is not None
        return None if by_program else kind

    def _raise_sites(self) -> frozenset[tuple[int, int, int, int]]:
        """(line, column, end line, end column) of every `raise` statement's
        exception expression, 1-based columns in characters, as Monty's frames
        report them."""
        text = self.program.text
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return frozenset()
        lines = text.split("\n")

        def column(line: int, offset: int) -> int:  # ast counts UTF-8 bytes, Monty characters
            source = lines[line - 1] if 0 < line <= len(lines) else ""
            return len(source.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1

        sites = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc
                end_line = exc.end_lineno or exc.lineno
                sites.add((exc.lineno, column(exc.lineno, exc.col_offset), end_line, column(end_line, exc.end_col_offset or 0)))
        return frozenset(sites)

    def _typing_error(self, exc: MontyTypingError) -> RejectedError:
        diagnostics = []
        try:
            items = json.loads(exc.display())
        except ValueError:
            items = []
        for item in items:
            start = item.get("location") or {}
            end = item.get("end_location") or start
            diagnostics.append(Diagnostic(
                code=f"ty[{item.get('code', 'type-error')}]",
                name=str(item.get("name", "type-error")),
                message=str(item.get("message", "")),
                line=int(start.get("row", 1)), column=int(start.get("column", 1)),
                end_line=int(end.get("row", 1)), end_column=int(end.get("column", 1)),
            ))
        if not diagnostics:
            diagnostics.append(Diagnostic("ty[type-error]", "type-error", exc.display().strip(), 1, 1, 1, 1))
        filename = self.program.filename
        try:
            rendered = render_llm(diagnostics, filename)
        except Exception:
            rendered = "\n".join(f"{filename}:{d.line}:{d.column}: {d.code} {d.message}" for d in diagnostics)
        return TypeCheckError(diagnostics, filename=filename, rendered=rendered)


_LIMIT_EXCEPTIONS = frozenset({"TimeoutError", "MemoryError", "RecursionError", "RuntimeError"})
_SUSPENSION_LIMIT = re.compile(r"suspension limit \d+ exceeded")
_RAISE_BEFORE = re.compile(r"(?:^|[^\w.])raise[\s(]*$")


def _clip(text: str, limit: int) -> str:
    """Error text a program controls is kept to the output cap."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"... ({len(text) - limit} more characters)"


def _short(value: Any, limit: int = 60) -> str:
    return short_repr(value, limit)


def _short_text(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    """The type name Python would print for a sandbox value."""
    if type(value).__name__ == "MontyStdTypeProxy":  # a builtin passed by name (`print`)
        return "builtin_function_or_method" if getattr(value, "kind", None) == "function" else "type"
    return type(value).__name__


_SANDBOX_FUNCTION = re.compile(r"<function '(\w+)' at 0x[0-9a-f]+>")


def _flyte_map_unknown(name: str, tasks: dict[str, Task]) -> str:
    available = ", ".join(sorted(tasks)) or "(none)"
    text = f"flyte_map: task '{name}' not found in registered tasks. Available: {available}"
    local = _SANDBOX_FUNCTION.fullmatch(name)
    if local is not None:  # a function defined in the sandbox crosses as its repr
        text = (
            f"flyte_map: task '{local.group(1)}' not found in registered tasks. Available: {available} "
            f"(`{local.group(1)}` is defined in the sandbox code: flyte_map runs tasks only; call it in a for loop)"
        )
    return text


def _iterate(value: Any) -> Any:
    """What `zip` would iterate for a sandbox value, or None when it is not iterable.
    A `range` reaches the host as its text (`'range(0, 3)'`): it is iterated as the range."""
    kind = type(value)
    if kind is list or kind is tuple:
        return value
    if kind is dict:
        return list(value)
    if kind is str:
        match = _RANGE_TEXT.fullmatch(value)
        if match is not None:
            start, stop, step = (int(group) if group else 1 for group in match.groups())
            return range(start, stop, step) if step else None
        return value
    return None


def execute(
    program: Program,
    inputs: dict[str, Any],
    *,
    on_event: ev.EventHook | None = None,
    interceptors: Sequence[Interceptor] = (),
    run_id: str | None = None,
) -> RunResult:
    """Run `program` once with `inputs` (host values, validated here)."""
    with run_level():  # a run started from a task of this one takes the next level's pool
        return Run(program, on_event, interceptors, run_id).execute(inputs)
