"""Task calls in flight: launching them on the executor within the concurrency
limits, waiting for them, and the host-side timeouts.

The driver hands the scheduler calls that must run (the seam decided so);
the scheduler starts them when a slot is free (`limits.concurrency` per run,
a `map_task`'s own `concurrency=` per group, a retry's delay), tells the seam
when each attempt really starts, and returns the attempts that finished. It
decides nothing about outcomes: the driver records them through the seam.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Executor, Future
from concurrent.futures import wait as wait_futures
from typing import Any

from .calls import TaskCall
from .errors import LimitExceeded, SandboxError
from .executors import is_remote, submit_all
from .limits import Limits
from .seam import CallSeam


class Abort(Exception):
    """Stop the run with this `SandboxError` (raised through the snapshot loop)."""

    def __init__(self, error: SandboxError, cause: BaseException | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause


class Scheduler:
    """The calls of one run that wait for a slot, wait out a retry delay, or run."""

    def __init__(
        self, executor: Executor | None, limits: Limits, seam: CallSeam, deadline: float, calls: list[TaskCall]
    ) -> None:
        self.executor = executor
        self.calls = calls  # every call of the run so far (for messages)
        self.limits = limits
        self.seam = seam
        self.deadline = deadline
        self.waiting: deque[TaskCall] = deque()
        self.delayed: list[tuple[float, int, TaskCall]] = []  # (not_before, seq, call), a heap
        self.running: dict[Future[Any], TaskCall] = {}
        self.finished: list[TaskCall] = []  # attempts that ended without reaching the executor
        # Calls to a remote executor (Dask) start in batches, when the sandbox waits.
        self.batches = is_remote(executor)

    @property
    def idle(self) -> bool:
        return not (self.waiting or self.delayed or self.running or self.finished)

    def enqueue(self, call: TaskCall) -> None:
        if call.not_before > time.perf_counter():
            heapq.heappush(self.delayed, (call.not_before, call.seq, call))
        else:
            self.waiting.append(call)

    def launch_ready(self) -> None:
        """Start waiting calls while there are free slots."""
        now = time.perf_counter()
        while self.delayed and self.delayed[0][0] <= now:
            self.waiting.append(heapq.heappop(self.delayed)[2])
        limit = self.limits.concurrency
        if not self.waiting or len(self.running) >= limit:
            return
        kept: deque[TaskCall] = deque()
        round_: list[TaskCall] = []
        while self.waiting and len(self.running) + len(round_) < limit:
            call = self.waiting.popleft()
            group = call.group
            if group is not None and group.running >= group.limit:
                kept.append(call)
                continue
            if group is not None:
                group.running += 1
            round_.append(call)
        kept.extend(self.waiting)
        self.waiting = kept
        if not round_:
            return
        # One seam notice for the round: a journal makes all its starts durable at once.
        if len(round_) == 1:
            self.seam.started(round_[0])
        else:
            self.seam.started_all(round_)
        # The round goes to the executor at once (Dask: one `client.map`, not a submit per call).
        submissions = [(c.task, c.args, c.kwargs) for c in round_]
        # chunks would put several calls on one clock: not when each call has its own timeout
        chunks = self.limits.task_timeout_s is None
        for call, future in zip(round_, submit_all(self.executor, submissions, chunks=chunks)):
            if isinstance(future, BaseException):  # a shut-down executor, an unpicklable argument
                call.error = future
                call.finished = time.perf_counter()
                if call.group is not None:
                    call.group.running -= 1
                self.finished.append(call)
                continue
            call.future = future
            self.running[future] = call

    def wait_round(self) -> list[TaskCall]:
        """Block until at least one attempt finishes (or a timeout fires); the attempts that did.

        Freed slots are not refilled here: the caller records the ended
        attempts first, then calls `launch_ready`."""
        self.launch_ready()
        if self.finished:
            done_early, self.finished = self.finished, []
            return done_early
        if self.seam.flushers:
            self.seam.flush()  # about to block: what the seam deferred must not wait for a slow call
        if not self.running:
            if self.delayed:
                time.sleep(max(0.0, min(self.delayed[0][0], self.deadline) - time.perf_counter()))
                if time.perf_counter() >= self.deadline:
                    self.raise_run_timeout()
                return self.wait_round()
            raise Abort(SandboxError("internal error: waiting with no task call in flight"))  # pragma: no cover
        now = time.perf_counter()
        timeout = self.deadline - now
        task_timeout = self.limits.task_timeout_s
        if task_timeout is not None:
            earliest = min(call.started for call in self.running.values())
            timeout = min(timeout, earliest + task_timeout - now)
        if self.delayed:
            timeout = min(timeout, self.delayed[0][0] - now)
        done, _ = wait_futures(list(self.running), timeout=max(timeout, 0.0), return_when=FIRST_COMPLETED)
        now = time.perf_counter()
        ended: list[TaskCall] = []
        for future in done:
            call = self.running.pop(future)
            call.finished = now
            span = getattr(future, "span", None)
            if span is not None:  # it ran in a chunk: when it really ran, by the worker's clock
                call.started, call.finished = span
            if call.group is not None:
                call.group.running -= 1
            try:
                call.result = future.result()
            except BaseException as exc:  # noqa: BLE001 - the task's own error, chained later
                call.error = exc
            ended.append(call)
        if not done:
            if now >= self.deadline:
                self.raise_run_timeout()
            if task_timeout is not None:
                for call in self.running.values():
                    if now - call.started >= task_timeout:
                        raise Abort(LimitExceeded(
                            f"task `{call.task.name}` (call {call.key}, line {call.line}) ran longer than "
                            f"task_timeout_s={task_timeout}",
                            limit="task_timeout", value=task_timeout,
                        ))
        # The caller records these, then starts what waits (`launch_ready`):
        # an attempt's end is recorded before the next one's start.
        return ended

    def raise_run_timeout(self) -> None:
        raise Abort(LimitExceeded(
            f"the run exceeded its host-side time limit (run_timeout_s={self.limits.run_timeout_s}) "
            f"after {len(self.calls)} task calls",
            limit="run_timeout", value=self.limits.run_timeout_s,
        ))

    def cancel_pending(self) -> None:
        self.waiting.clear()
        self.delayed.clear()
        self.finished.clear()
        for future in list(self.running):
            future.cancel()
        self.running.clear()
