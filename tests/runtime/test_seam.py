"""The task-call seam (`runtime/seam.py`): one place decides a call, one records its outcome.

Interceptors plug in there (the journal, cache, retries and tracing of later
issues are interceptors); these tests drive the seam with small ones.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import runtime
from runtime import SandboxError, TaskError, sandbox
from runtime.calls import TaskCall
from runtime.driver import execute
from runtime.events import RunEvent, RunFinished, RunStarted, TaskCallFinished, TaskCallStarted
from runtime.seam import Answer, Interceptor

env = runtime.TaskEnvironment(name="seam-tests")
calls_made: list[str] = []
REQUEST = contextvars.ContextVar("REQUEST", default="unset")
flaky_failures = {"left": 0}
lock = threading.Lock()


@env.task
def add(x: int, y: int) -> int:
    with lock:
        calls_made.append(f"add({x}, {y})")
    return x + y


@env.task
async def slow(x: int) -> int:
    import asyncio

    await asyncio.sleep(0.02)
    return x


@env.task
def flaky(x: int) -> int:
    with lock:
        if flaky_failures["left"] > 0:
            flaky_failures["left"] -= 1
            raise ConnectionError("try again")
    return x * 10


@env.task
def request_id() -> str:
    return REQUEST.get()


@env.task
async def request_id_async() -> str:
    return REQUEST.get()


@env.task
def request_id_of(x: int) -> str:
    return REQUEST.get()


class Recorder(Interceptor):
    def __init__(self) -> None:
        self.events: list[RunEvent] = []

    def on_event(self, event: RunEvent) -> None:
        self.events.append(event)


def _program(source: str, **options: Any) -> Any:
    return sandbox.orchestrator_from_str(source, tasks=list(env.tasks.values()), **options).program


def test_started_fires_when_the_call_really_starts() -> None:
    # Three calls under concurrency 1: each starts only after the previous one finished.
    recorder = Recorder()
    program = _program("async def main():\n    return await gather(slow(1), slow(2), slow(3))\nawait main()\n", concurrency=1)
    result = execute(program, {}, interceptors=[recorder])
    assert result.value == [1, 2, 3]
    kinds = [(type(e).__name__, getattr(e, "seq", None)) for e in recorder.events]
    assert kinds == [
        ("RunStarted", None),
        ("TaskCallStarted", 1), ("TaskCallFinished", 1),
        ("TaskCallStarted", 2), ("TaskCallFinished", 2),
        ("TaskCallStarted", 3), ("TaskCallFinished", 3),
        ("RunFinished", None),
    ]
    finished = [e for e in recorder.events if isinstance(e, TaskCallFinished)]
    assert [e.value for e in finished] == [1, 2, 3]
    assert isinstance(recorder.events[-1], RunFinished) and recorder.events[-1].value == [1, 2, 3]


class Journal(Interceptor):
    """Answers calls it already knows by key, as a journal replay will."""

    def __init__(self, known: dict[str, int]) -> None:
        self.known = known

    def answer(self, call: TaskCall) -> Answer | None:
        if call.key in self.known:
            return Answer(self.known[call.key], source="journal")
        return None


def test_an_interceptor_answers_a_call_without_running_the_task() -> None:
    calls_made.clear()
    program = _program("a = add(1, 2)\nb = add(a, 10)\nb")
    first = execute(program, {})
    assert first.value == 13 and calls_made == ["add(1, 2)", "add(3, 10)"]
    calls_made.clear()
    recorder = Recorder()
    journal = Journal({first.calls[0].call_key: 100})  # the first call "replays" with 100
    second = execute(program, {}, interceptors=[journal, recorder])
    assert second.value == 110
    assert calls_made == ["add(100, 10)"]  # only the second call ran
    assert [(c.replayed, c.ok) for c in second.calls] == [(True, True), (False, True)]
    started = [e for e in recorder.events if isinstance(e, TaskCallStarted)]
    assert [(e.seq, e.replayed) for e in started] == [(1, True), (2, False)]


def test_replayed_calls_reach_only_the_listeners_that_want_them() -> None:
    class HoldsReplays(Recorder):
        sees_replayed = False  # as the real journal: it holds them already

    program = _program("a = add(1, 2)\nb = add(a, 10)\nb")
    first = execute(program, {})
    everyone, holder = Recorder(), HoldsReplays()
    second = execute(program, {}, interceptors=[Journal({first.calls[0].call_key: 100}), everyone, holder])
    assert second.value == 110

    def seqs(recorder: Recorder) -> list[tuple[str, int]]:
        return [(type(e).__name__, e.seq) for e in recorder.events if isinstance(e, (TaskCallStarted, TaskCallFinished))]

    assert seqs(everyone) == [("TaskCallStarted", 1), ("TaskCallFinished", 1), ("TaskCallStarted", 2), ("TaskCallFinished", 2)]
    assert seqs(holder) == [("TaskCallStarted", 2), ("TaskCallFinished", 2)]
    assert isinstance(holder.events[0], RunStarted) and isinstance(holder.events[-1], RunFinished)


def test_answers_work_in_async_code_and_map_task() -> None:
    program = _program("async def main():\n    return await gather(slow(1), slow(2))\nawait main()\n")
    keys = [c.call_key for c in execute(program, {}).calls]
    assert execute(program, {}, interceptors=[Journal({keys[1]: 7})]).value == [1, 7]
    mapped = _program("map_task(add, [1, 2, 3], [10, 20, 30])")
    keys = [c.call_key for c in execute(mapped, {}).calls]
    assert execute(mapped, {}, interceptors=[Journal({keys[0]: -1})]).value == [-1, 22, 33]


class Retry(Interceptor):
    def __init__(self, attempts: int) -> None:
        self.attempts = attempts

    def retry_delay(self, call: TaskCall, error: BaseException) -> float | None:
        return 0.0 if call.attempt < self.attempts else None


@pytest.mark.parametrize("source", ["flaky(4)", "async def main():\n    return await flaky(4)\nawait main()\n"])
def test_retries_are_attempts_recorded_at_the_seam(source: str) -> None:
    flaky_failures["left"] = 2
    recorder = Recorder()
    result = execute(_program(source), {}, interceptors=[Retry(3), recorder])
    assert result.value == 40
    pairs = [(type(e).__name__, e.attempt, getattr(e, "ok", None)) for e in recorder.events if isinstance(e, (TaskCallStarted, TaskCallFinished))]
    assert pairs == [
        ("TaskCallStarted", 1, None), ("TaskCallFinished", 1, False),
        ("TaskCallStarted", 2, None), ("TaskCallFinished", 2, False),
        ("TaskCallStarted", 3, None), ("TaskCallFinished", 3, True),
    ]
    assert result.calls[0].attempts == 3


def test_retries_give_up_with_the_last_error() -> None:
    flaky_failures["left"] = 5
    with pytest.raises(TaskError) as info:
        execute(_program("flaky(4)"), {}, interceptors=[Retry(2)])
    assert isinstance(info.value.original, ConnectionError)
    flaky_failures["left"] = 0


class Broken(Interceptor):
    strict = True

    def on_event(self, event: RunEvent) -> None:
        if isinstance(event, TaskCallStarted):
            raise OSError("disk full")


def test_a_strict_interceptor_that_fails_stops_the_run() -> None:
    calls_made.clear()
    with pytest.raises(SandboxError, match="disk full") as info:
        execute(_program("add(1, 2)"), {}, interceptors=[Broken()])
    assert isinstance(info.value.__cause__, OSError)
    assert calls_made == []  # the journal could not record the start: the call never ran


def test_errors_carry_the_calls_that_finished_before_the_failure() -> None:
    flaky_failures["left"] = 1
    with pytest.raises(TaskError) as info:
        sandbox.orchestrate_local_sync("a = add(1, 2)\nb = add(a, 3)\nflaky(b)", tasks=[add, flaky])
    assert [(c.task, c.args, c.ok) for c in info.value.calls] == [("add", (1, 2), True), ("add", (3, 3), True), ("flaky", (6,), False)]
    flaky_failures["left"] = 0


@pytest.mark.parametrize(
    "source, options",
    [
        ("request_id()", {}),  # inline on the driving thread
        ("request_id()", {"task_timeout_s": 5.0}),  # the default thread pool
        ("request_id()", {"executor": ThreadPoolExecutor(2)}),  # a user's thread pool
        ("async def main():\n    return await request_id_async()\nawait main()\n", {}),  # the background loop
        ("map_task(request_id_of, [1, 2])", {}),  # the calls of a map, on the default thread pool
    ],
)
def test_context_variables_reach_tasks(source: str, options: dict[str, Any]) -> None:
    token = REQUEST.set("req-42")
    try:
        value = sandbox.orchestrate_local_sync(source, tasks=[request_id, request_id_async, request_id_of], **options)
    finally:
        REQUEST.reset(token)
    assert value in ("req-42", ["req-42", "req-42"])


def test_runs_never_poison_sys_modules_for_opentelemetry() -> None:
    sandbox.orchestrate_local_sync("1 + 1")
    assert sys.modules.get("opentelemetry", "absent") is not None
    assert sys.modules.get("opentelemetry.context", "absent") is not None


def test_the_scoped_finder_lets_a_package_installed_later_import(tmp_path: Any) -> None:
    # The mechanism Monty's OpenTelemetry probe gets, on a module name of our own
    # (opentelemetry itself may be installed here): fast "absent" inside the
    # scope only, never a sys.modules entry, and a later install imports.
    import importlib

    from runtime.pool import _AbsentDuringFeeds

    finder = _AbsentDuringFeeds(frozenset({"sbx_late_pkg", "sbx_late_pkg.context"}))
    sys.meta_path.insert(0, finder)
    try:
        finder.local.active = True
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("sbx_late_pkg.context")
        finder.local.active = False
        assert "sbx_late_pkg" not in sys.modules
        package = tmp_path / "sbx_late_pkg"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "context.py").write_text("VALUE = 42\n")
        sys.path.insert(0, str(tmp_path))
        importlib.invalidate_caches()  # what installers ask for; the finder re-checks too
        finder.local.active = True
        assert importlib.import_module("sbx_late_pkg.context").VALUE == 42
    finally:
        finder.local.active = False
        sys.meta_path.remove(finder)
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))
        for name in ("sbx_late_pkg.context", "sbx_late_pkg"):
            sys.modules.pop(name, None)


def test_run_events_are_emitted_once_each() -> None:
    recorder = Recorder()
    execute(_program("add(1, 2)"), {}, interceptors=[recorder], on_event=None)
    assert [type(e) for e in recorder.events] == [RunStarted, TaskCallStarted, TaskCallFinished, RunFinished]
