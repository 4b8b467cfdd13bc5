"""The seam hooks durable runs added (`runtime/seam.py`), driven by small interceptors of their own."""

from __future__ import annotations

from typing import Any

import pytest

import runtime
from runtime import SandboxError, sandbox
from runtime.calls import TaskCall
from runtime.driver import execute
from runtime.events import RunEvent, RunFinished, TaskCallFinished, TaskCallStarted
from runtime.seam import Answer, Interceptor, RunAnswer

env = runtime.TaskEnvironment(name="seam-hook-tests")
ran: list[int] = []


@env.task
def work(i: int) -> int:
    ran.append(i)
    return i * 2


def program(source: str, **options: Any) -> Any:
    return sandbox.orchestrator_from_str(source, tasks=[work], **options).program


class Log(Interceptor):
    """Records the order of events and flushes, as a journal would see them."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def on_event(self, event: RunEvent) -> None:
        if isinstance(event, TaskCallStarted):
            self.log.append(f"start {event.seq}")
        elif isinstance(event, TaskCallFinished):
            self.log.append(f"end {event.seq}")
        else:
            self.log.append(type(event).__name__)

    def flush(self) -> None:
        self.log.append("flush")


def test_flush_comes_after_the_starts_and_before_the_task_runs() -> None:
    ran.clear()
    log = Log()

    class Probe(Interceptor):
        def on_event(self, event: RunEvent) -> None:
            if isinstance(event, TaskCallStarted):
                assert event.seq not in ran  # the task has not run when its start is seen

    execute(program("a = work(1)\nwork(a)"), {}, interceptors=[log, Probe()])
    assert log.log == ["RunStarted", "start 1", "flush", "end 1", "start 2", "flush", "end 2", "RunFinished"]


def test_a_round_of_starts_is_flushed_once() -> None:
    log = Log()
    execute(program("map_task(work, [1, 2, 3, 4])", concurrency=4), {}, interceptors=[log])
    first_flush = log.log.index("flush")
    assert log.log[1:first_flush] == ["start 1", "start 2", "start 3", "start 4"]


class FinishedRun(Interceptor):
    def answer_run(self, name: str, inputs: dict[str, Any]) -> RunAnswer | None:
        return RunAnswer(value={"from": "the journal", "inputs": inputs})


def test_an_interceptor_can_answer_the_whole_run() -> None:
    ran.clear()
    log = Log()
    result = execute(program("work(x)", inputs={"x": int}), {"x": 5}, interceptors=[FinishedRun(), log])
    assert result.value == {"from": "the journal", "inputs": {"x": 5}} and ran == []
    assert log.log == ["RunStarted", "RunFinished"]


class Refuses(Interceptor):
    def answer(self, call: TaskCall) -> Answer | None:
        raise SandboxError(f"refused call {call.seq}")


def test_a_sandbox_error_from_an_interceptor_is_the_runs_error() -> None:
    ran.clear()
    log = Log()
    with pytest.raises(SandboxError, match="^refused call 1$") as info:
        execute(program("work(1)"), {}, interceptors=[Refuses(), log])
    assert type(info.value) is SandboxError and ran == [] and info.value.run_id
    assert log.log[-1] == "RunFinished"


class BrokenAtTheEnd(Interceptor):
    def on_event(self, event: RunEvent) -> None:
        if isinstance(event, RunFinished):
            raise OSError("disk gone")


def test_a_failed_run_ends_for_every_listener_even_when_one_fails() -> None:
    seen: list[RunFinished] = []

    class Hook(Interceptor):
        strict = False

        def on_event(self, event: RunEvent) -> None:
            if isinstance(event, RunFinished):
                seen.append(event)

    with pytest.raises(SandboxError, match="disk gone"):
        execute(program("work(1)"), {}, interceptors=[BrokenAtTheEnd(), Hook()])
    # the successful end could not be recorded: the run failed, and the others saw only that end
    assert [e.ok for e in seen] == [False]
