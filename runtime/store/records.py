"""What the run store holds: runs, task-call attempts, and the errors it raises.

Every value field (`inputs`, `result`, `args`, `value`) is text made by
`runtime.codec`; the store never decodes it. Times are seconds since the epoch
(`time.time()`), as floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

RunStatus = Literal["running", "ok", "error"]
CallState = Literal["running", "ok", "error", "interrupted"]
RUN_STATUSES: tuple[RunStatus, ...] = ("running", "ok", "error")


class StoreError(Exception):
    """The store cannot be opened or read, or refused a write."""


class RunBusyError(StoreError):
    """Another live process (or another open store in this one) owns the run."""

    def __init__(self, message: str, *, run_id: str, owner: str | None) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.owner = owner


@dataclass(frozen=True)
class RunHeader:
    """What a run records when it opens: who it is and what it runs."""

    run_id: str
    name: str
    code_hash: str
    inputs: str
    runtime_version: str
    monty_version: str
    trace_id: str
    started_at: float


@dataclass(frozen=True)
class RunRecord:
    """A run as stored. `status` is `running` until `finish_run`, also for a
    run whose process died: `RunStore.is_live` tells those apart."""

    run_id: str
    name: str
    code_hash: str
    inputs: str
    runtime_version: str
    monty_version: str
    trace_id: str
    status: RunStatus
    started_at: float
    finished_at: float | None
    result: str | None
    error: str | None
    resumes: int
    """How many times a process took the run over after another one stopped."""
    resumed_at: float | None
    owner: str | None
    """`pid N on HOST` of the process that holds the run, or held it last."""

    @property
    def duration_s(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at


@dataclass(frozen=True)
class CallAttempt:
    """One attempt of one task call: recorded when it starts, completed when it ends."""

    run_id: str
    seq: int
    attempt: int
    call_key: str
    task: str
    args: str
    started_at: float
    finished_at: float | None
    ok: bool | None
    value: str | None
    error_type: str | None
    error_text: str | None
    replayed: bool
    cached: bool
    interrupted: bool
    """Started and never finished: its process died, or its run ended first."""

    @property
    def state(self) -> CallState:
        if self.finished_at is not None:
            return "ok" if self.ok else "error"
        return "interrupted" if self.interrupted else "running"

    @property
    def duration_s(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at


@dataclass(frozen=True)
class RunState:
    """What `open_run` found: the run and its journal, so the caller can resume.

    `created`: the run is new. `resumed`: it existed, unfinished, and this store
    took it over (its unfinished calls are now marked interrupted). `owned`:
    this store holds the run and may write to it (false for a finished run and
    when `changed` is not empty). `changed`: header fields (`name`, `code_hash`,
    `inputs`) that differ from the stored run; nothing was written then.
    """

    run: RunRecord
    calls: tuple[CallAttempt, ...]
    created: bool
    resumed: bool
    owned: bool
    changed: tuple[str, ...]

    def latest_attempts(self) -> dict[int, CallAttempt]:
        """The last attempt of every call, by `seq`."""
        latest: dict[int, CallAttempt] = {}
        for call in self.calls:
            if call.seq not in latest or call.attempt > latest[call.seq].attempt:
                latest[call.seq] = call
        return latest

    def next_attempt(self, seq: int) -> int:
        """The attempt number a new execution of call `seq` takes."""
        return max((c.attempt for c in self.calls if c.seq == seq), default=0) + 1


# Two of these are made for every journaled task call: their `__init__` fills
# the instance's dict at once, where a frozen dataclass's sets each field
# through `object.__setattr__` (three times slower).


@dataclass(frozen=True, init=False)
class CallStart:
    """A call attempt about to run (see `RunStore.record`)."""

    seq: int
    call_key: str
    task: str
    args: str
    attempt: int
    started_at: float

    def __init__(self, seq: int, call_key: str, task: str, args: str, attempt: int, started_at: float) -> None:
        self.__dict__.update(seq=seq, call_key=call_key, task=task, args=args, attempt=attempt, started_at=started_at)


@dataclass(frozen=True, init=False)
class CallEnd:
    """A call attempt's outcome: `value` when ok (or when the error is itself a
    value, `map_task(return_exceptions=True)`), else `error_type`/`error_text`."""

    seq: int
    attempt: int
    ok: bool
    value: str | None
    error_type: str | None
    error_text: str | None
    finished_at: float
    replayed: bool = False
    cached: bool = False

    def __init__(
        self, seq: int, attempt: int, ok: bool, value: str | None, error_type: str | None, error_text: str | None,
        finished_at: float, replayed: bool = False, cached: bool = False,
    ) -> None:
        self.__dict__.update(
            seq=seq, attempt=attempt, ok=ok, value=value, error_type=error_type, error_text=error_text,
            finished_at=finished_at, replayed=replayed, cached=cached,
        )


CallEvent = Union[CallStart, CallEnd]
