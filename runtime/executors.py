"""Where task calls run: a `concurrent.futures.Executor`.

* default: a shared thread pool for sync tasks and one background event loop
  for `async def` tasks (so a hundred sleeping async tasks need no threads).
  Sequential calls from sync sandbox code run directly on the driving thread
  when no per-task timeout is set: that thread would only block waiting
  anyway, and it saves a thread hand-off per call.
* any `Executor` you pass (`ProcessPoolExecutor`, ...): every call goes
  through it; async tasks run under `asyncio.run` in the worker.
* a Dask `distributed.Client`: converted with `client.get_executor()`; the
  calls that start together (a `gather`, a `map_task`, freed slots) go to the
  scheduler in one `client.map`. A round with more calls than the cluster has
  threads goes as chunks (`run_chunk`), one per thread, each running its calls
  one after another in a worker: Dask's cost per task (milliseconds here) is
  then paid per chunk, not per 20 ms call. Not with `task_timeout_s` (each call
  is then its own Dask task, so its own clock).

Context variables of the thread that drives the run (a request id, an
OpenTelemetry context) are visible to tasks that run in threads or on the
background event loop, as with `asyncio.to_thread`; tasks in other processes
(a process pool, Dask workers) start with a fresh context.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import threading
import time
import weakref
from concurrent.futures import Executor, Future, InvalidStateError, ThreadPoolExecutor
from typing import Any

from .errors import TaskDefinitionError
from .tasks import Task

_lock = threading.Lock()
_threads: ThreadPoolExecutor | None = None
_loop: asyncio.AbstractEventLoop | None = None


def default_threads() -> ThreadPoolExecutor:
    global _threads
    if _threads is None:
        with _lock:
            if _threads is None:
                _threads = ThreadPoolExecutor(max_workers=64, thread_name_prefix="sandbox-task")
                atexit.register(_threads.shutdown, wait=False, cancel_futures=True)
    return _threads


def background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None:
        with _lock:
            if _loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="sandbox-async-tasks", daemon=True)
                thread.start()
                _loop = loop
    return _loop


def coerce_executor(executor: Any) -> Executor | None:
    """None (the default), an `Executor`, or a Dask `Client`."""
    if executor is None or isinstance(executor, Executor):
        return executor
    get_executor = getattr(executor, "get_executor", None)
    if callable(get_executor) and type(executor).__module__.startswith("distributed"):
        return get_executor(pure=False)  # type: ignore[no-any-return]
    raise TaskDefinitionError(
        f"executor must be a concurrent.futures.Executor or a dask distributed Client, got {type(executor).__name__}",
        code="SBX206",
    )


def call_task(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run a task to completion in the current thread or process (sync or async)."""
    if task.is_async:
        return asyncio.run(task.func(*args, **kwargs))
    return task.func(*args, **kwargs)


Submission = tuple[Task, tuple[Any, ...], dict[str, Any]]


def is_remote(executor: Executor | None) -> bool:
    """A Dask client's executor: each submission is a message to a scheduler."""
    return executor is not None and type(executor).__name__ == "ClientExecutor" and hasattr(executor, "_client")


def submit_all(
    executor: Executor | None, calls: list[Submission], *, chunks: bool = True
) -> list[Future[Any] | BaseException]:
    """Start several task calls at once; each entry is its future, or the error
    that kept it from starting. A Dask client gets them in one `client.map`
    (one message to the scheduler instead of one per call), or as chunks when
    there are more calls than the cluster's threads (`chunks=False`: never)."""
    client: Any = getattr(executor, "_client", None)
    if len(calls) > 1 and is_remote(executor):
        threads = _cluster_threads(client) if chunks else None
        try:
            if threads is not None and len(calls) > threads:
                return _submit_chunks(executor, client, calls, threads)
            futures = client.map(
                call_task, [c[0] for c in calls], [c[1] for c in calls], [c[2] for c in calls], pure=False
            )
            return [executor._wrap_future(future) for future in futures]  # type: ignore[union-attr]
        except Exception:
            pass  # one at a time below: each call gets its own error
    started: list[Future[Any] | BaseException] = []
    for task, args, kwargs in calls:
        try:
            started.append(submit(executor, task, args, kwargs))
        except Exception as exc:
            started.append(exc)
    return started


_threads_seen: weakref.WeakKeyDictionary[Any, tuple[float, int]] = weakref.WeakKeyDictionary()


def _cluster_threads(client: Any) -> int | None:
    """The cluster's worker threads (asked at most once a second per client)."""
    now = time.monotonic()
    try:
        seen = _threads_seen.get(client)
        if seen is not None and now - seen[0] < 1.0:
            return seen[1] if seen[1] > 0 else None
        threads = int(sum(client.nthreads().values()))
        _threads_seen[client] = (now, threads)  # forgotten with the client
    except Exception:  # a client that cannot say (or cannot be weakly referenced): no chunks
        return None
    return threads if threads > 0 else None


def run_chunk(calls: list[Submission]) -> list[tuple[bool, Any, float, float]]:
    """In a Dask worker: the calls one after another; per call (ok, value or
    exception, seconds from its start to the chunk's end, from its end to the
    chunk's end), so the host can place each call on its own clock."""
    outcomes: list[tuple[bool, Any, float]] = []
    marks: list[float] = []
    for task, args, kwargs in calls:
        marks.append(time.perf_counter())
        try:
            outcomes.append((True, call_task(task, args, kwargs), time.perf_counter()))
        except BaseException as exc:  # noqa: BLE001 - the call's own error, for the host
            outcomes.append((False, exc, time.perf_counter()))
    end = time.perf_counter()
    return [(ok, value, end - start, end - stop) for (ok, value, stop), start in zip(outcomes, marks)]


class ChunkedCall(Future[Any]):
    """The future of one call that runs inside a chunk; `span` is when it ran
    on this host's `perf_counter` clock (set with its outcome). Cancelling
    every call of a chunk cancels the chunk (a chunk not yet started never runs)."""

    span: tuple[float, float] | None = None
    chunk: tuple[Any, list[ChunkedCall]] | None = None

    def cancel(self) -> bool:
        cancelled = super().cancel()
        if cancelled and self.chunk is not None:
            remote, siblings = self.chunk
            if all(sibling.cancelled() for sibling in siblings):
                remote.cancel()
        return cancelled


def _submit_chunks(executor: Any, client: Any, calls: list[Submission], count: int) -> list[Future[Any] | BaseException]:
    futures = [ChunkedCall() for _ in calls]
    bounds = [len(calls) * i // count for i in range(count + 1)]
    pieces = [(bounds[i], bounds[i + 1]) for i in range(count) if bounds[i] < bounds[i + 1]]
    sent = client.map(run_chunk, [calls[a:b] for a, b in pieces], pure=False)
    for (a, b), remote in zip(pieces, sent):
        mine = futures[a:b]
        wrapped = executor._wrap_future(remote)
        for future in mine:
            future.chunk = (wrapped, mine)
        wrapped.add_done_callback(lambda done, mine=mine: _settle(done, mine))
    return list(futures)


def _settle(chunk: Future[Any], mine: list[ChunkedCall]) -> None:
    now = time.perf_counter()
    try:
        outcomes = chunk.result()
    except BaseException as exc:  # noqa: BLE001 - the chunk never ran (a lost worker, cancelled): each call fails with it
        outcomes = [(False, exc, 0.0, 0.0)] * len(mine)
    for future, (ok, value, started_ago, ended_ago) in zip(mine, outcomes):
        future.span = (now - started_ago, now - ended_ago)
        try:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        except InvalidStateError:
            continue  # cancelled: the run ended without it


def submit(executor: Executor | None, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Future[Any]:
    """Start a task call; the future settles with its result or exception.

    Runs in a copy of the caller's context where the task runs in this
    process (`run_coroutine_threadsafe` copies it already).
    """
    if executor is None:
        if task.is_async:
            return asyncio.run_coroutine_threadsafe(task.func(*args, **kwargs), background_loop())
        return default_threads().submit(contextvars.copy_context().run, task.func, *args, **kwargs)
    if isinstance(executor, ThreadPoolExecutor):
        return executor.submit(contextvars.copy_context().run, call_task, task, args, kwargs)
    return executor.submit(call_task, task, args, kwargs)
