"""Task calls as the driver tracks them, and the stable keys they are known by.

A `TaskCall` is created when the sandbox makes a call (arguments already
validated) and lives until its outcome is settled into the sandbox. Its
`seq` is its position in the run, in the order the sandbox made the calls:
the deterministic sandbox fixes that order, so a re-run (a replay) makes the
same calls with the same keys whatever order concurrent calls finished in.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future
from typing import Any

from sandbox_lint.lines import LineIndex

from .events import CallRecord
from .handles import DataFrame, Dir, File, handle_key
from .tasks import Task


def _canon(value: Any) -> Any:
    """A JSON-able canonical form of an argument, for call keys."""
    t = type(value)
    if t is int and value.bit_length() > _MAX_DECIMAL_BITS:
        return {"i": hex(value)}  # past Python's int-to-text digit limit
    if t in (int, str, bool) or value is None:
        return value
    if t is float:
        return repr(value)
    if t is bytes:
        return {"b": value.hex()}
    if t is list:
        return [_canon(v) for v in value]
    if t is tuple:
        return {"t": [_canon(v) for v in value]}
    if t is dict:
        return {"d": [[_canon(k), _canon(v)] for k, v in value.items()]}
    if t is File or t is Dir:
        # By kind and path, not by the handle's sandbox key: a resumed run in
        # another process compares its call keys with the journal's.
        return {"h": [t.__name__, value.path]}
    if isinstance(value, (File, Dir, DataFrame)):
        return {"h": handle_key(value)}  # a frame by identity: the journal compares its recorded arguments instead
    return {"r": repr(value)}


_KEY_SCALARS = (int, str, bool, type(None))
_MAX_DECIMAL_BITS = 14_000
"""Ints longer than this have more decimal digits than `repr` writes by default (4,300)."""


def call_key(seq: int, task: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """`"{seq}:{task}:{digest}"`; the digest covers the arguments' canonical form."""
    if not kwargs and all(type(a) in _KEY_SCALARS and (type(a) is not int or a.bit_length() <= _MAX_DECIMAL_BITS) for a in args):
        payload = "s" + repr(args)  # repr of int/str/bool/None tuples is canonical
    else:
        payload = "j" + json.dumps([[_canon(a) for a in args], _canon(kwargs)], sort_keys=True, separators=(",", ":"))
    digest = hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()
    return f"{seq}:{task}:{digest}"


class TaskCall:
    """One task call. Its line and call key are computed on first use: a run
    without hooks pays for neither unless an error or the trace asks.

    `attempt` counts from 1 (retries add attempts); `replayed`/`cached` say
    the outcome came from the journal or the cache instead of the task.
    """

    __slots__ = (
        "seq", "task", "args", "kwargs", "lines", "offset", "_key", "attempt", "started", "finished",
        "future", "result", "error", "group", "replayed", "cached", "not_before",
    )

    def __init__(
        self, seq: int, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], lines: LineIndex, offset: int | None
    ) -> None:
        self.seq = seq
        self.task = task
        self.args = args
        self.kwargs = kwargs
        self.lines = lines
        self.offset = offset
        self._key: str | None = None
        self.attempt = 1
        self.started = 0.0
        self.finished = 0.0
        self.future: Future[Any] | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.group: CallGroup | None = None
        self.replayed = False
        self.cached = False
        self.not_before = 0.0  # a retry waits until then (perf_counter time)

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = call_key(self.seq, self.task.name, self.args, self.kwargs)
        return self._key

    @property
    def line(self) -> int | None:
        return None if self.offset is None else self.lines.line_of_byte(self.offset)

    @property
    def done(self) -> bool:
        return self.finished > 0.0

    def record(self) -> CallRecord:
        return CallRecord(
            self.seq, self.key, self.task.name, self.args, self.kwargs, self.line, self.finished - self.started,
            self.error is None, self.attempt, self.replayed, self.cached,
            self.result if self.error is None else None, None if self.error is None else repr(self.error),
        )


class CallGroup:
    """The calls of one `map_task`: bounded by their own concurrency, settled together."""

    __slots__ = ("calls", "limit", "running", "return_exceptions")

    def __init__(self, limit: int, return_exceptions: bool) -> None:
        self.calls: list[TaskCall] = []
        self.limit = limit
        self.running = 0
        self.return_exceptions = return_exceptions

    @property
    def done(self) -> bool:
        return all(call.done for call in self.calls)
