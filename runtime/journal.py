"""The run journal: a task-call interceptor that makes a run durable and resumable.

A run given `run_id=` and `store=` gets a `Journal` on its task-call seam
(`runtime/seam.py`). It records:

* when the run starts, its header (`open_run`): name, a hash of the exact
  program text and interface, the encoded inputs, the runtime and Monty
  versions, the trace id derived from the run id;
* every attempt of a task call before it starts (durable before the task is
  called) and when it ends, with its result or error (`runtime.codec` text);
* the run's outcome (`finish_run`).

Running the same `run_id` again resumes it: a call whose last attempt
finished is answered from the journal (`Answer(source="journal")`) without
calling the task; a call that started and never finished (its process died)
runs again as a new attempt, and the store marks the old one interrupted; the
rest runs live. A run that already finished returns its stored result (or
raises its stored error) without running. Anything that no longer matches the
journal (the code, the inputs, or a call at the same position with another
task or arguments) raises `ReplayDivergedError`: nothing is silently run again.

Cost. A commit per write would cost more than a whole task call, so writes
are batched where that keeps the rule "a call's start is durable before it
runs": the end of one call is written in the same transaction as the start of
the next (the seam's `flush`), all starts of a round of concurrent calls go in
one transaction, and the last ends go with the run's outcome. An attempt that
ran for at least `long_call_s` has its end written at once, so a long call's
result never waits for the next call. A crash loses at most the end of a short
call whose successor had not started yet: that call runs again on resume (the
same at-least-once rule as for an interrupted call).
"""

from __future__ import annotations

import hashlib
import time
import weakref
from typing import Any

from . import codec
from . import events as ev
from .calls import TaskCall
from .errors import BoundaryTypeError, LimitExceeded, SandboxError
from .program import Program
from .retry import max_attempts
from .seam import Answer, Interceptor, RunAnswer
from .store import CallAttempt, CallEnd, CallEvent, CallStart, RunHeader, RunRecord, RunStore
from .tracing import trace_id_for
from .versions import monty_version, runtime_version

MAX_VALUE_BYTES = codec.DEFAULT_MAX_BYTES
"""The largest encoded value (an input, an argument list, a result) a journal records."""
LONG_CALL_S = 0.002
"""An attempt that ran this long has its end written at once, not with the next start."""
MAX_ERROR_TEXT = 10_000
_UNRECORDED = "<arguments not recorded: "


class ReplayDivergedError(SandboxError):
    """A resumed run no longer matches its journal.

    `seq` is the position of the call that differs (None when the run itself
    differs: its code, inputs or name), `recorded` and `new` describe the
    journal's call and the program's new one (`add(1, 2)`).
    """

    def __init__(self, message: str, *, run_id: str, seq: int | None, recorded: str, new: str) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.seq = seq
        self.recorded = recorded
        self.new = new


_code_hashes: dict[int, tuple[weakref.ref[Program], str]] = {}


def code_hash(program: Program) -> str:
    """A hash of the program's exact text and interface (tasks' signatures,
    inputs, output). Blank lines before the code do not count: moving a
    decorated orchestrator down its file pads its text with them."""
    key = id(program)
    known = _code_hashes.get(key)
    if known is not None and known[0]() is program:
        return known[1]
    digest = hashlib.blake2b(digest_size=16)
    digest.update(program.text.lstrip("\n").encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(repr(program.interface).encode("utf-8", "surrogatepass"))
    value = digest.hexdigest()
    _code_hashes[key] = (weakref.ref(program, lambda _, key=key: _code_hashes.pop(key, None)), value)  # type: ignore[misc]
    return value


def describe(task: str, args_text: str | None) -> str:
    """`task(a, b, k=v)` from recorded arguments, short."""
    return f"{task}({codec.preview(args_text, 120)})" if args_text is not None else f"{task}(...)"


class Journal(Interceptor):
    """Records one run in a `RunStore` and answers its calls from the journal on resume."""

    strict = True
    sees_replayed = False  # it holds them already

    def __init__(
        self,
        store: RunStore,
        program: Program,
        run_id: str,
        *,
        max_value_bytes: int = MAX_VALUE_BYTES,
        long_call_s: float = LONG_CALL_S,
    ) -> None:
        self.store = store
        self.program = program
        self.run_id = run_id
        self.max_value_bytes = max_value_bytes
        self.long_call_s = long_call_s
        self.owned = False
        self.resumed = False
        self.recorded: dict[int, CallAttempt] = {}
        self.next_attempt: dict[int, int] = {}
        self.pending: list[CallEvent] = []
        self.started_at: dict[tuple[int, int], float] = {}

    # ------------------------------------------------------------------ the run

    def answer_run(self, name: str, inputs: dict[str, Any]) -> RunAnswer | None:
        inputs_text = self._encode(inputs, "the run's inputs", BoundaryTypeError)
        header = RunHeader(
            self.run_id, name, code_hash(self.program), inputs_text, runtime_version(), monty_version(),
            trace_id_for(self.run_id), time.time(),
        )
        state = self.store.open_run(header)
        if state.changed:
            raise self._run_diverged(state.run, header, state.changed)
        if not state.owned:
            return self._finished(state.run, state.calls)
        self.owned = True
        self.resumed = state.resumed
        self.recorded = state.latest_attempts()
        for attempt in state.calls:
            self.next_attempt[attempt.seq] = max(self.next_attempt.get(attempt.seq, 1), attempt.attempt + 1)
        return None

    def _run_diverged(self, stored: RunRecord, header: RunHeader, changed: tuple[str, ...]) -> ReplayDivergedError:
        what = {"code_hash": "the program (its code or its tasks' signatures)", "inputs": "the inputs", "name": "the name"}
        parts = [what.get(field, field) for field in changed]
        recorded = f"{stored.name} code {stored.code_hash[:12]} inputs {codec.preview(stored.inputs, 60)}"
        new = f"{header.name} code {header.code_hash[:12]} inputs {codec.preview(header.inputs, 60)}"
        return ReplayDivergedError(
            f"run {self.run_id!r} cannot be resumed: {' and '.join(parts)} changed since it was recorded "
            f"(recorded: {recorded}; now: {new}). Use a new run id to run the changed program.",
            run_id=self.run_id, seq=None, recorded=recorded, new=new,
        )

    def _finished(self, run: RunRecord, attempts: tuple[CallAttempt, ...]) -> RunAnswer:
        """The run finished before: its stored outcome, and its calls as records."""
        calls = self._recorded_calls(attempts)
        if run.status == "error":
            error = SandboxError(
                f"run {self.run_id!r} already finished with an error (its recorded outcome; "
                f"use a new run id to run it again): {run.error}"
            )
            error.run_id = self.run_id
            return RunAnswer(error=error, calls=calls)
        if run.result is None:
            error = SandboxError(
                f"run {self.run_id!r} finished, but its result could not be recorded (it is not replayable, "
                "see docs/durability.md); use a new run id to compute it again"
            )
            return RunAnswer(error=error, calls=calls)
        try:
            value = codec.decode(run.result)
        except codec.CodecError as exc:
            raise SandboxError(f"run {self.run_id!r}: its recorded result cannot be read here: {exc}") from None
        return RunAnswer(value=value, calls=calls)

    def _recorded_calls(self, attempts: tuple[CallAttempt, ...]) -> tuple[TaskCall, ...]:
        latest: dict[int, CallAttempt] = {}
        for attempt in attempts:
            latest[attempt.seq] = attempt
        calls = []
        for seq in sorted(latest):
            attempt = latest[seq]
            task = self.program.tasks.get(attempt.task)
            if task is None or attempt.finished_at is None or attempt.args.startswith(_RECORDED_PLACEHOLDER):
                continue
            try:
                args, kwargs = codec.decode_arguments(attempt.args)
                call = TaskCall(seq, task, args, kwargs, self.program.lines, None)
                if attempt.ok:
                    call.result = None if attempt.value is None else codec.decode(attempt.value)
                else:
                    call.error = self._error_of(attempt)
            except codec.CodecError:
                continue
            call.attempt = attempt.attempt
            call.replayed = True
            call.started = 1.0
            call.finished = 1.0 + (attempt.duration_s or 0.0)
            calls.append(call)
        return tuple(calls)

    def close(self) -> None:
        """The run ended without `RunFinished` (an interrupt): give it up, resumable."""
        if self.owned:
            self.owned = False
            self.store.release(self.run_id)

    # ------------------------------------------------------------------ calls

    def answer(self, call: TaskCall) -> Answer | None:
        recorded = self.recorded.get(call.seq)
        if recorded is None:
            return None
        self._check_same(call, recorded)
        state = recorded.state
        replayable = not recorded.args.startswith(_RECORDED_PLACEHOLDER)
        if replayable and state == "ok" and recorded.value is not None:
            try:
                value = codec.decode(recorded.value)
                call.attempt = recorded.attempt  # the answer is that attempt's
                return Answer(value, source="journal")
            except codec.NotReplayable:
                pass  # a frame recorded where pyarrow was present: run the call again
            except codec.CodecError as exc:
                raise SandboxError(f"run {self.run_id!r}: the journal's result of call {call.seq} cannot be read: {exc}") from None
        elif replayable and state == "error" and recorded.attempt >= max_attempts(call.task):
            call.attempt = recorded.attempt
            return Answer(error=self._error_of(recorded), source="journal")
        call.attempt = self.next_attempt.get(call.seq, recorded.attempt + 1)
        return None

    def _check_same(self, call: TaskCall, recorded: CallAttempt) -> None:
        if recorded.task == call.task.name:
            if recorded.call_key == call.key:
                return
            # Keys of frame handles are per process: compare the recorded arguments.
            try:
                text = codec.encode_arguments(call.args, call.kwargs, max_bytes=self.max_value_bytes)
            except codec.CodecError:
                text = None
            if text == recorded.args or recorded.args.startswith(_RECORDED_PLACEHOLDER):
                return
        else:
            text = self._args_or_none(call)
        was = describe(recorded.task, recorded.args)
        now = describe(call.task.name, text) if text is not None else f"{call.task.name}(...)"
        raise ReplayDivergedError(
            f"run {self.run_id!r}: replay diverged at call {call.seq} (line {call.line}): the journal recorded "
            f"{was}, the program now calls {now}. The program, its inputs or a task's result changed since "
            "the run was recorded; use a new run id to run it.",
            run_id=self.run_id, seq=call.seq, recorded=was, new=now,
        )

    def _args_or_none(self, call: TaskCall) -> str | None:
        try:
            return codec.encode_arguments(call.args, call.kwargs, max_bytes=self.max_value_bytes)
        except codec.CodecError:
            return None

    def _error_of(self, attempt: CallAttempt) -> BaseException:
        """The recorded exception of a failed attempt (its builtin class and message)."""
        if attempt.value is not None:
            try:
                value = codec.decode(attempt.value)
                if isinstance(value, BaseException):
                    return value
            except codec.CodecError:
                pass
        return RuntimeError(f"{attempt.error_type or 'Error'}: {attempt.error_text or ''}")

    # ------------------------------------------------------------------ events

    def on_event(self, event: ev.RunEvent) -> None:
        kind = type(event)
        if kind is ev.TaskCallStarted:
            assert isinstance(event, ev.TaskCallStarted)
            if not event.replayed and self.owned:
                self._started(event)
        elif kind is ev.TaskCallFinished:
            assert isinstance(event, ev.TaskCallFinished)
            if not event.replayed and self.owned:
                self._finished_call(event)
        elif kind is ev.RunFinished:
            assert isinstance(event, ev.RunFinished)
            if self.owned:
                self._finish(event)

    def _started(self, event: ev.TaskCallStarted) -> None:
        try:
            args = codec.encode_arguments(event.args, event.kwargs, max_bytes=self.max_value_bytes)
        except codec.ValueTooLarge as exc:
            raise self._too_large(f"the arguments of call {event.seq} (`{event.task}`, line {event.line})", exc) from None
        except codec.CodecError as exc:
            args = codec.encode_arguments((f"{_UNRECORDED}{exc}>",), {}, max_bytes=self.max_value_bytes)
        now = time.time()
        self.started_at[(event.seq, event.attempt)] = now
        self.pending.append(CallStart(event.seq, event.call_key, event.task, args, event.attempt, now))

    def _finished_call(self, event: ev.TaskCallFinished) -> None:
        started = self.started_at.pop((event.seq, event.attempt), None)
        finished = time.time() if started is None else started + event.duration_s
        if event.ok:
            try:
                value: str | None = codec.encode(event.value, max_bytes=self.max_value_bytes)
                error_type = error_text = None
            except codec.ValueTooLarge as exc:
                self.pending.append(CallEnd(event.seq, event.attempt, False, None, "ValueTooLarge", str(exc), finished))
                raise self._too_large(f"the result of call {event.seq} (`{event.task}`)", exc) from None
            except codec.CodecError as exc:  # the call is not replayable: it runs again on resume
                value, error_type, error_text = None, "NotReplayable", str(exc)
            self.pending.append(CallEnd(
                event.seq, event.attempt, True, value, error_type, error_text, finished, cached=event.cached,
            ))
        else:
            error = event.exception
            try:
                value = None if error is None else codec.encode(error, max_bytes=self.max_value_bytes)
            except codec.CodecError:
                value = None
            error_type = type(error).__name__ if error is not None else "Error"
            error_text = (str(error) if error is not None else event.error or "")[:MAX_ERROR_TEXT]
            self.pending.append(CallEnd(event.seq, event.attempt, False, value, error_type, error_text, finished, cached=event.cached))
        if event.duration_s >= self.long_call_s:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            events, self.pending = self.pending, []
            self.store.record(self.run_id, *events)

    def _finish(self, event: ev.RunFinished) -> None:
        result: str | None = None
        if event.ok:
            try:
                result = codec.encode(event.value, max_bytes=self.max_value_bytes)
            except codec.ValueTooLarge as exc:
                # Still owned: the run fails now, and its RunFinished(ok=False) records that.
                raise self._too_large("the run's result", exc) from None
            except codec.CodecError:
                result = None  # not replayable: see _finished
        events, self.pending = self.pending, []
        self.owned = False
        try:
            self.store.finish_run(
                self.run_id, ok=event.ok, result=result, error=None if event.ok else (event.error or "failed"),
                finished_at=time.time(), events=events,
            )
        except BaseException:
            self.store.release(self.run_id)
            raise

    # ------------------------------------------------------------------ values

    def _encode(self, value: Any, what: str, kind: type[SandboxError]) -> str:
        try:
            return codec.encode(value, max_bytes=self.max_value_bytes)
        except codec.ValueTooLarge as exc:
            raise self._too_large(what, exc) from None
        except codec.CodecError as exc:
            if kind is BoundaryTypeError:
                raise BoundaryTypeError(
                    f"inputs: cannot be recorded in the journal: {exc}", path="inputs", expected="a boundary value",
                    got="unrecordable",
                ) from None
            raise kind(f"{what} cannot be recorded in the journal: {exc}") from None

    def _too_large(self, what: str, exc: codec.ValueTooLarge) -> LimitExceeded:
        return LimitExceeded(
            f"{what} is too large to record in the journal of run {self.run_id!r}: {exc}. "
            "Pass large data as a File or Dir handle instead.",
            limit="journal_value", value=exc.limit,
        )


_RECORDED_PLACEHOLDER = codec.encode_arguments((_UNRECORDED,), {}, max_bytes=1000).partition(_UNRECORDED)[0] + _UNRECORDED
"""How the recorded arguments of a call whose arguments could not be recorded begin."""
