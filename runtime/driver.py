"""Drive one run of a `Program` in a Monty worker, answering its snapshots by hand.

The sandbox suspends at every external call; the driver answers:

* a task call in sync code: validate the arguments, run the task, validate the
  result, resume with the value;
* a task call in async code (awaited, or passed to `gather`): start it on the
  executor and resume with a future; at a `FutureSnapshot` wait for any of the
  pending calls and resume with those that finished;
* `map_task(task, *iterables, ...)`: fan the calls out (bounded), resume with
  the list (or a future of it, in async code);
* an OS call (filesystem, environment, clock): Monty's default refusal;
* anything else: `NameError` in the sandbox.

At most `limits.concurrency` task calls are in flight per run; `map_task`'s
own `concurrency=` bounds its calls further.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone
from typing import Any

from pydantic_monty import (
    CollectStreams,
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

from . import events as ev
from .boundary import _Mismatch, validate
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
from .executors import submit
from .handles import DataFrame, Dir, File, handle_key
from .pool import get_pool
from .program import GATHER_PRELUDE, MAP_TASK, Program
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


@dataclass(frozen=True)
class RunResult:
    """What a run returns: the value, the captured output and the task calls."""

    value: Any
    output: str
    streams: tuple[tuple[str, str], ...]
    run_id: str
    duration_s: float
    raw_calls: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def calls(self) -> tuple[CallRecord, ...]:
        """The task calls in the order the sandbox made them (built on first access)."""
        return tuple(
            CallRecord(c.seq, c.key, c.task.name, c.args, c.kwargs, c.line, c.finished - c.started, c.error is None)
            for c in self.raw_calls
        )


def _canon(value: Any) -> Any:
    """A JSON-able canonical form of an argument, for call keys."""
    t = type(value)
    if t in (int, str, bool) or value is None:
        return value
    if t is float:
        return repr(value)
    if t is bytes:
        return {"b": value.hex()}
    if t is list or t is tuple:
        return [_canon(v) for v in value]
    if t is dict:
        return {"d": [[_canon(k), _canon(v)] for k, v in value.items()]}
    if isinstance(value, (File, Dir, DataFrame)):
        return {"h": handle_key(value)}
    return {"r": repr(value)}


_KEY_SCALARS = (int, str, bool, type(None))


def call_key(seq: int, task: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """`"{seq}:{task}:{digest}"`; the digest covers the arguments' canonical form."""
    if not kwargs and all(type(a) in _KEY_SCALARS for a in args):
        payload = "s" + repr(args)  # repr of int/str/bool/None tuples is canonical
    else:
        payload = "j" + json.dumps([_canon(list(args)), _canon(kwargs)], sort_keys=True, separators=(",", ":"))
    digest = hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()
    return f"{seq}:{task}:{digest}"


class _Call:
    """One task call. Its line and call key are computed on first use: a run
    without hooks pays for neither unless an error or the trace asks."""

    __slots__ = ("seq", "task", "args", "kwargs", "program", "offset", "_key", "started", "finished", "future", "result", "error", "group")

    def __init__(self, seq: int, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], program: Program, offset: int | None) -> None:
        self.seq = seq
        self.task = task
        self.args = args
        self.kwargs = kwargs
        self.program = program
        self.offset = offset
        self._key: str | None = None
        self.started = 0.0
        self.finished = 0.0
        self.future: Future[Any] | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.group: _Group | None = None

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = call_key(self.seq, self.task.name, self.args, self.kwargs)
        return self._key

    @property
    def line(self) -> int | None:
        return None if self.offset is None else self.program.line_at(self.offset)

    @property
    def done(self) -> bool:
        return self.finished > 0.0


class _Group:
    """The calls of one `map_task`."""

    __slots__ = ("calls", "limit", "running", "return_exceptions")

    def __init__(self, limit: int, return_exceptions: bool) -> None:
        self.calls: list[_Call] = []
        self.limit = limit
        self.running = 0
        self.return_exceptions = return_exceptions

    @property
    def done(self) -> bool:
        return all(call.done for call in self.calls)


class _Abort(Exception):
    """Internal: stop the run with this `SandboxError`."""

    def __init__(self, error: SandboxError, cause: BaseException | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause


class Run:
    """The state of one run; `execute()` drives it to a `RunResult`."""

    def __init__(self, program: Program, on_event: ev.EventHook | None = None) -> None:
        self.program = program
        self.limits = program.limits
        self.executor = program.executor
        self.inline_ok = self.executor is None and self.limits.task_timeout_s is None
        self.hooks = ev.active_hooks(on_event)
        self.run_id = uuid.uuid4().hex[:12]
        self.calls: list[_Call] = []
        self.by_call_id: dict[int, _Call | _Group] = {}
        self.waiting: deque[_Call] = deque()
        self.running: dict[Future[Any], _Call] = {}
        self.collector = CollectStreams(max_bytes=self.limits.max_output_bytes)
        self.output_seen = 0
        self.started = 0.0
        self.deadline = 0.0
        self.feed_name = "<python-input-0>"
        self._arg_error: BaseException | None = None

    # ----------------------------------------------------------------- running

    def execute(self, inputs: dict[str, Any]) -> RunResult:
        program = self.program
        self.started = time.perf_counter()
        self.deadline = self.started + self.limits.run_timeout_s
        if self.hooks:
            ev.emit(self.hooks, ev.RunStarted(self.run_id, program.name, dict(inputs)))
        try:
            fed_inputs = self._validate_inputs(inputs)
            value = self._drive(fed_inputs)
        except _Abort as abort:
            self._cancel_pending()
            error = abort.error
            error.output = self.output()
            self._finish(ok=False, error=error)
            if abort.cause is not None:
                raise error from abort.cause
            raise error from None
        except SandboxError as error:
            self._cancel_pending()
            error.output = self.output()
            self._finish(ok=False, error=error)
            raise
        self._finish(ok=True, error=None)
        return RunResult(
            value=value,
            output=self.output(),
            streams=tuple(self.collector.output),
            raw_calls=tuple(self.calls),
            run_id=self.run_id,
            duration_s=time.perf_counter() - self.started,
        )

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
            with checkout as session:
                if program.needs_gather:
                    session.feed_run(GATHER_PRELUDE, skip_type_check=True)
                    self.feed_name = "<python-input-1>"
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
            if exc.timed_out:
                raise LimitExceeded(
                    f"the sandbox overran its time limit ({limits.timeout_ms} ms) and the host killed the worker",
                    limit="time", value=limits.timeout_ms,
                ) from None
            raise WorkerCrashedError(f"the Monty worker crashed: {exc}") from None
        except MontyConversionError as exc:
            raise BoundaryTypeError(f"a value could not cross into the sandbox: {exc}", path="inputs", expected="a boundary value", got="unconvertible") from None
        except (MontyRuntimeError, MontySyntaxError) as exc:
            raise self._runtime_error(exc) from None
        except MontyError as exc:
            raise WorkerCrashedError(f"the Monty worker failed: {exc}") from None
        return validate(value, program.output_validator, "output")

    def _loop(self, snap: Any) -> Any:
        tasks = self.program.tasks
        async_offsets = self.program.async_offsets
        while True:
            kind = type(snap)
            if kind is FunctionSnapshot:
                if snap.is_os_function:
                    snap = snap.resume_not_handled()
                    continue
                name = snap.function_name
                if snap.object_id is not None:  # a method call on an opaque handle
                    snap = snap.resume({"exception": AttributeError(f"handles have no attribute {name!r}")})
                    continue
                task = tasks.get(name)
                if task is None:
                    if name == MAP_TASK:
                        snap = self._map_task(snap, snap.position.start in async_offsets)
                        continue
                    snap = snap.resume({"exception": NameError(f"name {name!r} is not defined")})
                    continue
                call = self._new_call(task, snap.args, snap.kwargs, snap.position)
                if call is None:  # arguments rejected: raised in the sandbox
                    snap = snap.resume({"exception": self._arg_error})
                    continue
                if async_offsets and snap.position.start in async_offsets:
                    self.by_call_id[snap.call_id] = call
                    self._schedule(call)
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
                return snap.output
            else:  # pragma: no cover - a new snapshot kind in a future Monty
                raise WorkerCrashedError(f"unexpected Monty snapshot {snap!r}")

    # -------------------------------------------------------------- task calls

    def _line_of(self, position: Any) -> int | None:
        offset = self._offset_of(position)
        return None if offset is None else self.program.line_at(offset)

    @staticmethod
    def _offset_of(position: Any) -> int | None:
        return None if position.end == 0 else int(position.start)

    def _new_call(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], position: Any) -> _Call | None:
        if len(self.calls) >= self.limits.max_task_calls:
            raise _Abort(LimitExceeded(
                f"task call limit reached: the run made more than {self.limits.max_task_calls} task calls "
                f"(at `{task.name}`, line {self._line_of(position)}); raise `max_task_calls` or batch the work with map_task",
                limit="task_calls", value=self.limits.max_task_calls,
            ))
        try:
            args, kwargs = self._check_args(task, args, kwargs)
        except TypeError as exc:  # wrong arity reaches the sandbox as Python would raise it
            self._arg_error = exc
            return None
        call = _Call(len(self.calls) + 1, task, args, kwargs, self.program, self._offset_of(position))
        self.calls.append(call)
        if self.hooks:
            self._flush_output()
            ev.emit(self.hooks, ev.TaskCallStarted(self.run_id, call.key, call.seq, task.name, args, kwargs, call.line))
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
            return validate(value, validator, f"{task.name}.{name}")
        except BoundaryTypeError as exc:
            raise _Abort(BoundaryTypeError(
                f"task `{task.name}` argument {exc.message}", path=exc.path, expected=exc.expected, got=exc.got
            )) from None

    def _run_now(self, call: _Call) -> Any:
        """A call in sync code: its value is needed before the sandbox goes on."""
        if self.inline_ok and not call.task.is_async:
            call.started = time.perf_counter()
            try:
                call.result = call.task.func(*call.args, **call.kwargs)
            except Exception as exc:
                call.error = exc
            call.finished = time.perf_counter()
            self._settle(call)
            if call.finished > self.deadline:
                self._raise_run_timeout()
            return call.result
        self._schedule(call)
        while not call.done:
            self._wait_round()
        return call.result

    def _settle(self, call: _Call) -> None:
        """Validate a finished call's result (or turn its error into the run's)."""
        if call.error is None:
            try:
                call.result = call.task.result_validator(call.result)
            except _Mismatch:
                try:
                    validate(call.result, call.task.result_validator, f"{call.task.name}.return")
                except BoundaryTypeError as exc:
                    call.error = exc
        if self.hooks:
            ev.emit(self.hooks, ev.TaskCallFinished(
                self.run_id, call.key, call.seq, call.task.name, call.finished - call.started,
                call.error is None, None if call.error is None else repr(call.error),
            ))
        error = call.error
        if error is None:
            return
        if call.group is not None and call.group.return_exceptions:
            call.result = error
            return
        if isinstance(error, BoundaryTypeError):
            raise _Abort(BoundaryTypeError(
                f"task `{call.task.name}` returned a wrong type: {error.message}",
                path=error.path, expected=error.expected, got=error.got,
            ))
        raise _Abort(self._task_error(call, error), error)

    def _task_error(self, call: _Call, error: BaseException) -> TaskError:
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

    # ------------------------------------------------------------- concurrency

    def _schedule(self, call: _Call) -> None:
        self.waiting.append(call)
        self._launch_ready()

    def _launch_ready(self) -> None:
        limit = self.limits.concurrency
        if not self.waiting or len(self.running) >= limit:
            return
        kept: deque[_Call] = deque()
        while self.waiting and len(self.running) < limit:
            call = self.waiting.popleft()
            group = call.group
            if group is not None and group.running >= group.limit:
                kept.append(call)
                continue
            self._launch(call)
        kept.extend(self.waiting)
        self.waiting = kept

    def _launch(self, call: _Call) -> None:
        call.started = time.perf_counter()
        if call.group is not None:
            call.group.running += 1
        try:
            future = submit(self.executor, call.task, call.args, call.kwargs)
        except Exception as exc:  # a shut-down executor, an unpicklable argument
            call.error = exc
            call.finished = time.perf_counter()
            if call.group is not None:
                call.group.running -= 1
            self._settle(call)
            return
        call.future = future
        self.running[future] = call

    def _wait_round(self) -> None:
        """Wait until at least one running call finishes (or a timeout fires)."""
        if not self.running:
            self._launch_ready()
            if not self.running:  # pragma: no cover - nothing can progress
                raise _Abort(WorkerCrashedError("internal error: waiting with no task call in flight"))
        now = time.perf_counter()
        timeout = self.deadline - now
        task_timeout = self.limits.task_timeout_s
        if task_timeout is not None:
            earliest = min(call.started for call in self.running.values())
            timeout = min(timeout, earliest + task_timeout - now)
        done, _ = wait_futures(list(self.running), timeout=max(timeout, 0.0), return_when=FIRST_COMPLETED)
        now = time.perf_counter()
        for future in done:
            call = self.running.pop(future)
            call.finished = now
            if call.group is not None:
                call.group.running -= 1
            try:
                call.result = future.result()
            except BaseException as exc:  # noqa: BLE001 - the task's own error, chained later
                call.error = exc
            self._settle(call)
        if not done:
            if now >= self.deadline:
                self._raise_run_timeout()
            if task_timeout is not None:
                for call in self.running.values():
                    if now - call.started >= task_timeout:
                        raise _Abort(LimitExceeded(
                            f"task `{call.task.name}` (call {call.key}, line {call.line}) ran longer than "
                            f"task_timeout_s={task_timeout}",
                            limit="task_timeout", value=task_timeout,
                        ))
        self._launch_ready()

    def _raise_run_timeout(self) -> None:
        raise _Abort(LimitExceeded(
            f"the run exceeded its host-side time limit (run_timeout_s={self.limits.run_timeout_s}) "
            f"after {len(self.calls)} task calls",
            limit="run_timeout", value=self.limits.run_timeout_s,
        ))

    def _collect(self, pending: list[int]) -> dict[int, Any]:
        """Settled results for the pending futures that are done (at least one)."""
        while True:
            results: dict[int, Any] = {}
            for call_id in pending:
                item = self.by_call_id.get(call_id)
                if item is None:
                    continue
                if isinstance(item, _Group):
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
        elif not args:
            problem = TypeError("map_task() needs a task and at least one iterable")
        elif concurrency is not None and (type(concurrency) is not int or concurrency < 1):
            problem = ValueError("map_task(): concurrency must be a positive int or None")
        task = None if problem else self.program.tasks.get(args[0]) if isinstance(args[0], str) else None
        if problem is None and task is None:
            problem = TypeError(f"map_task(): the first argument must be a task (one of: {', '.join(sorted(self.program.tasks)) or 'none'})")
        if problem is not None or task is None:
            return snap.resume({"exception": problem})
        iterables = [list(iterable) if isinstance(iterable, (list, tuple)) else iterable for iterable in args[1:]]
        if not all(isinstance(iterable, list) for iterable in iterables):
            return snap.resume({"exception": TypeError("map_task(): iterables must be lists or tuples")})
        group = _Group(concurrency or self.limits.concurrency, bool(return_exceptions))
        for element_args in zip(*iterables):
            call = self._new_call(task, tuple(element_args), {}, snap.position)
            if call is None:
                return snap.resume({"exception": self._arg_error})
            call.group = group
            group.calls.append(call)
        for call in group.calls:
            self.waiting.append(call)
        self._launch_ready()
        if in_async:
            self.by_call_id[snap.call_id] = group
            return snap.resume(_FUTURE)
        while not group.done:
            self._wait_round()
        return snap.resume({"return_value": [call.result for call in group.calls]})

    def _cancel_pending(self) -> None:
        self.waiting.clear()
        for future in list(self.running):
            future.cancel()
        self.running.clear()

    # ------------------------------------------------------------------ output

    def output(self) -> str:
        return "".join(text for _, text in self.collector.output)

    def _flush_output(self) -> None:
        chunks = self.collector.output
        for stream, text in chunks[self.output_seen:]:
            ev.emit(self.hooks, ev.Output(self.run_id, stream, text))
        self.output_seen = len(chunks)

    def _finish(self, *, ok: bool, error: SandboxError | None) -> None:
        if not self.hooks:
            return
        self._flush_output()
        ev.emit(self.hooks, ev.RunFinished(
            self.run_id, self.program.name, ok, time.perf_counter() - self.started, len(self.calls),
            None if error is None else f"{type(error).__name__}: {error.message}",
        ))

    # ------------------------------------------------------------------ errors

    def _runtime_error(self, exc: MontyRuntimeError | MontySyntaxError) -> SandboxError:
        inner = exc.exception()
        exc_type = type(inner).__name__
        message = str(inner)
        limits = self.limits
        if exc_type == "MemoryError" and message.startswith("memory limit exceeded"):
            # the print collector reports its cap with the same words as the heap
            if message.endswith(f"> {limits.max_output_bytes} bytes") and limits.max_output_bytes != limits.max_memory:
                return LimitExceeded(f"the program printed more than max_output_bytes={limits.max_output_bytes}", limit="output", value=limits.max_output_bytes)
            return LimitExceeded(f"the sandbox exceeded its memory limit (max_memory={limits.max_memory} bytes): {message}", limit="memory", value=limits.max_memory)
        if exc_type == "TimeoutError" and "time limit exceeded" in message:
            return LimitExceeded(f"the sandbox exceeded its execution time limit (timeout_ms={limits.timeout_ms}): {message}", limit="time", value=limits.timeout_ms)
        if exc_type == "RecursionError" and message.startswith("maximum recursion depth"):
            return LimitExceeded(f"the sandbox exceeded its recursion limit (max_stack_depth={limits.max_stack_depth})", limit="recursion", value=limits.max_stack_depth)
        if exc_type == "RuntimeError" and message.startswith("suspension limit"):
            return LimitExceeded(f"the sandbox exceeded its suspension limit ({message}); raise max_task_calls", limit="task_calls", value=limits.max_task_calls)
        frames = exc.traceback() if hasattr(exc, "traceback") else []
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
        display = exc.display() if hasattr(exc, "display") else str(exc)
        return SandboxRuntimeError(
            text, exc_type=exc_type, exc_message=message, filename=filename, line=line,
            source_line=source_line, traceback_text=display.replace(self.feed_name, filename),
        )

    def _typing_error(self, exc: MontyTypingError) -> RejectedError:
        from sandbox_lint.diagnostics import Diagnostic

        from .gate import render_llm

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


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def execute(program: Program, inputs: dict[str, Any], *, on_event: ev.EventHook | None = None) -> RunResult:
    """Run `program` once with `inputs` (host values, validated here)."""
    return Run(program, on_event).execute(inputs)
