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
  scheduler in one `client.map`.

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
from concurrent.futures import Executor, Future, ThreadPoolExecutor
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


def submit_all(executor: Executor | None, calls: list[Submission]) -> list[Future[Any] | BaseException]:
    """Start several task calls at once; each entry is its future, or the error
    that kept it from starting. A Dask client gets them in one `client.map`
    (one message to the scheduler instead of one per call)."""
    client: Any = getattr(executor, "_client", None)
    if len(calls) > 1 and is_remote(executor):
        try:
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
