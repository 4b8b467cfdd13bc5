"""`@env.task(cache=...)` and `@env.task(retries=...)`: the cache and retry interceptors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import runtime
from runtime import RunStore, TaskDefinitionError, TaskError, sandbox
from runtime.cache import cache_key, clear_local_cache, source_hash
from runtime.events import RunEvent, TaskCallFinished, TaskCallStarted

env = runtime.TaskEnvironment(name="cache-tests")
executed: list[tuple[str, Any]] = []
failures = {"left": 0}


@env.task(cache=True, cache_version="1")
def square(x: int) -> int:
    executed.append(("square", x))
    return x * x


@env.task(cache=True, cache_version="2")
def square_v2(x: int) -> int:
    executed.append(("square_v2", x))
    return x * x


@env.task(cache="auto")
def shape(d: dict[str, int]) -> list[str]:  # type: ignore[type-arg]
    executed.append(("shape", sorted(d)))
    return sorted(d)


@env.task(cache="override", cache_version="1")
def square_fresh(x: int) -> int:
    executed.append(("square_fresh", x))
    return x * x + 1


@env.task
def plain(x: int) -> int:
    executed.append(("plain", x))
    return x


@env.task(retries=3, retry_delay_s=0.0)
def flaky(x: int) -> int:
    executed.append(("flaky", x))
    if failures["left"] > 0:
        failures["left"] -= 1
        raise ConnectionError(f"try again ({failures['left']} left)")
    return x + 1


@env.task(retries=2, retry_delay_s=0.01)
async def aflaky(x: int) -> int:
    executed.append(("aflaky", x))
    if failures["left"] > 0:
        failures["left"] -= 1
        raise TimeoutError("slow")
    return x + 2


@env.task(retries=2)
def wrong_type(x: int) -> int:
    executed.append(("wrong_type", x))
    return "nope"  # type: ignore[return-value]


@pytest.fixture(autouse=True)
def _reset() -> Any:
    executed.clear()
    failures["left"] = 0
    clear_local_cache()
    yield
    failures["left"] = 0


def events_of(store: Any, source: str, **kwargs: Any) -> tuple[Any, list[RunEvent]]:
    seen: list[RunEvent] = []
    value = sandbox.orchestrate_local_sync(source, tasks=list(env.tasks.values()), on_event=seen.append, store=store, **kwargs)
    return value, seen


# ----------------------------------------------------------------------- cache


def test_a_cached_task_runs_once_per_arguments_across_runs(store_url: str) -> None:
    with RunStore(store_url) as store:
        first, _ = events_of(store, "[square(2), square(3)]")
        again, seen = events_of(store, "[square(3), square(2), square(4)]")
    assert first == [4, 9] and again == [9, 4, 16]
    assert executed == [("square", 2), ("square", 3), ("square", 4)]
    finished = [(e.seq, e.cached) for e in seen if isinstance(e, TaskCallFinished)]
    assert finished == [(1, True), (2, True), (3, False)]


def test_cache_hits_are_recorded_in_the_journal(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.sqlite") as store:
        sandbox.orchestrate_local_sync("square(5)", tasks=[square], store=store, run_id="warm")
        sandbox.orchestrate_local_sync("square(5) + plain(1)", tasks=[square, plain], store=store, run_id="hit")
        calls = store.calls("hit")
    assert [(c.task, c.state, c.cached) for c in calls] == [("square", "ok", True), ("plain", "ok", False)]
    assert executed == [("square", 5), ("plain", 1)]


def test_bumping_the_version_or_editing_the_source_misses(store_url: str) -> None:
    with RunStore(store_url) as store:
        events_of(store, "square(2)")
        events_of(store, "square_v2(2)")  # another task name and version
    assert executed == [("square", 2), ("square_v2", 2)]
    assert cache_key(square, (2,), {}) != cache_key(square_v2, (2,), {})
    assert cache_key(square, (2,), {}).split(":")[3] == "1"
    bumped = runtime.TaskEnvironment(name="bumped")

    def edited(x: int) -> int:
        return x * x * 1

    edited.__name__ = "square"
    other = bumped.task(cache=True, cache_version="1")(edited)  # same name and version, other source
    assert other.name == "square"
    assert source_hash(other) != source_hash(env.tasks["square"])
    assert cache_key(other, (2,), {}) != cache_key(env.tasks["square"], (2,), {})


def test_keys_follow_the_arguments_exactly(store_url: str) -> None:
    assert cache_key(shape, ({"a": 1, "b": 2},), {}) == cache_key(shape, ({"b": 2, "a": 1},), {})
    assert cache_key(square, (1,), {}) != cache_key(square, (True,), {})
    with RunStore(store_url) as store:
        assert events_of(store, "[shape({'a': 1, 'b': 2}), shape({'b': 2, 'a': 1})]")[0] == [["a", "b"], ["a", "b"]]
    assert executed == [("shape", ["a", "b"])]


def test_override_runs_the_task_and_refreshes_the_entry(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.sqlite") as store:
        events_of(store, "square_fresh(3)")
        events_of(store, "square_fresh(3)")
    assert executed == [("square_fresh", 3), ("square_fresh", 3)]


def test_without_a_store_the_cache_is_this_processs() -> None:
    template = sandbox.orchestrator_from_str("square(x)", inputs={"x": int}, tasks=[square])
    assert [template(x=7), template(x=7)] == [49, 49]
    assert executed == [("square", 7)]
    clear_local_cache()
    assert template(x=7) == 49 and executed == [("square", 7), ("square", 7)]


def test_the_cache_is_shared_by_processes(tmp_path: Path) -> None:
    url = str(tmp_path / "runs.sqlite")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import test_cache_retries as t
        from runtime import sandbox
        print(sandbox.orchestrate_local_sync("square(12)", tasks=[t.square], store={url!r}), t.executed)
        """
    )
    outputs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120) for _ in range(2)]
    assert all(o.returncode == 0 for o in outputs), [o.stderr for o in outputs]
    assert [o.stdout.strip() for o in outputs] == ["144 [('square', 12)]", "144 []"]


def test_failures_are_not_cached(tmp_path: Path) -> None:
    failing = runtime.TaskEnvironment(name="failing")
    calls: list[int] = []

    @failing.task(cache=True)
    def boom(x: int) -> int:
        calls.append(x)
        raise ValueError("no")

    with RunStore(tmp_path / "runs.sqlite") as store:
        for _ in range(2):
            with pytest.raises(TaskError):
                sandbox.orchestrate_local_sync("boom(1)", tasks=[boom], store=store)
    assert calls == [1, 1]


# --------------------------------------------------------------------- retries


@pytest.mark.parametrize("source", ["flaky(1)", "async def main():\n    return await flaky(1)\nawait main()\n"])
def test_a_failing_call_is_retried_and_each_attempt_recorded(source: str, tmp_path: Path) -> None:
    failures["left"] = 2
    seen: list[RunEvent] = []
    with RunStore(tmp_path / "runs.sqlite") as store:
        result = sandbox.orchestrate_local_detailed(source, tasks=[flaky], on_event=seen.append, store=store, run_id="r")
        attempts = [(c.seq, c.attempt, c.state, c.error_type) for c in store.calls("r")]
    assert result.value == 2 and result.calls[0].attempts == 3
    assert executed == [("flaky", 1)] * 3
    assert attempts == [(1, 1, "error", "ConnectionError"), (1, 2, "error", "ConnectionError"), (1, 3, "ok", None)]
    pairs = [(type(e).__name__, e.attempt) for e in seen if isinstance(e, (TaskCallStarted, TaskCallFinished))]
    assert pairs == [("TaskCallStarted", 1), ("TaskCallFinished", 1), ("TaskCallStarted", 2), ("TaskCallFinished", 2),
                     ("TaskCallStarted", 3), ("TaskCallFinished", 3)]


def test_only_the_last_error_propagates() -> None:
    failures["left"] = 10
    with pytest.raises(TaskError) as info:
        sandbox.orchestrate_local_sync("flaky(1)", tasks=[flaky])
    assert executed == [("flaky", 1)] * 4  # 1 + 3 retries
    assert isinstance(info.value.original, ConnectionError) and "(6 left)" in str(info.value.original)


def test_async_tasks_and_map_task_elements_are_retried() -> None:
    failures["left"] = 2
    assert sandbox.orchestrate_local_sync("async def main():\n    return await gather(aflaky(1), aflaky(2))\nawait main()\n",
                                          tasks=[aflaky]) == [3, 4]
    assert len(executed) == 4
    executed.clear()
    failures["left"] = 1
    assert sandbox.orchestrate_local_sync("map_task(flaky, [1, 2, 3])", tasks=[flaky]) == [2, 3, 4]
    assert len(executed) == 4


def test_a_wrong_result_type_is_not_retried() -> None:
    with pytest.raises(runtime.BoundaryTypeError):
        sandbox.orchestrate_local_sync("wrong_type(1)", tasks=[wrong_type])
    assert executed == [("wrong_type", 1)]


def test_a_resume_continues_the_attempt_count(tmp_path: Path) -> None:
    interrupting = runtime.TaskEnvironment(name="interrupting")
    tries: list[int] = []

    @interrupting.task(retries=1)
    def once_interrupted(x: int) -> int:
        tries.append(x)
        if len(tries) == 1:
            raise KeyboardInterrupt  # the process "dies" during attempt 1
        raise ValueError("still failing")

    with RunStore(tmp_path / "runs.sqlite") as store:
        with pytest.raises(KeyboardInterrupt):
            sandbox.orchestrate_local_sync("once_interrupted(1)", tasks=[once_interrupted], store=store, run_id="k")
        with pytest.raises(TaskError, match="still failing"):
            sandbox.orchestrate_local_sync("once_interrupted(1)", tasks=[once_interrupted], store=store, run_id="k")
        assert [(c.attempt, c.state) for c in store.calls("k")] == [(1, "interrupted"), (2, "error")]
    assert tries == [1, 1]  # retries=1: two attempts in all, the interrupted one included


def test_other_task_options_stay_errors() -> None:
    with pytest.raises(TaskDefinitionError, match="bogus"):
        @env.task(bogus=1)
        def nope(x: int) -> int:
            return x
    with pytest.raises(TaskDefinitionError, match="retries"):
        @env.task(retries=-1)
        def negative(x: int) -> int:
            return x


def test_backoff_multiplies_the_delay() -> None:
    from runtime.calls import TaskCall
    from runtime.retry import Retries

    backing = runtime.TaskEnvironment(name="backing")

    @backing.task(retries=3, retry_delay_s=0.5, retry_backoff=2.0)
    def slow_to_recover(x: int) -> int:
        return x

    call = TaskCall(1, slow_to_recover, (1,), {}, sandbox.orchestrator_from_str("1").program.lines, None)
    delays = []
    for attempt in (1, 2, 3, 4):
        call.attempt = attempt
        delays.append(Retries().retry_delay(call, ConnectionError("down")))
    assert delays == [0.5, 1.0, 2.0, None]  # three retries, then the error stands
    with pytest.raises(TaskDefinitionError, match="no effect without `retries"):
        backing.task(retry_delay_s=1.0)
    with pytest.raises(TaskDefinitionError, match="`retry_backoff` must be a number >= 1"):
        backing.task(retries=1, retry_backoff=0.5)
    with pytest.raises(TaskDefinitionError, match="`cache_version` has no effect"):
        backing.task(cache_version="2")


def test_runs_show_marks_cached_and_retried_attempts(tmp_path: Path, capsys: Any) -> None:
    import json

    from runtime.commands.runs import main

    url = str(tmp_path / "runs.sqlite")
    sandbox.orchestrate_local_sync("square(9)", tasks=[square], store=url, run_id="warm")
    failures["left"] = 1
    sandbox.orchestrate_local_sync("[square(9), flaky(1)]", tasks=[square, flaky], store=url, run_id="mixed")
    assert main(["show", "mixed", "--store", url, "--output-format", "json"], prog="runs") == 0
    calls = json.loads(capsys.readouterr().out)["calls"]
    assert [(c["seq"], c["attempt"], c["state"], c["cached"], c["error_type"]) for c in calls] == [
        (1, 1, "ok", True, None), (2, 1, "failed", False, "ConnectionError"), (2, 2, "ok", False, None),
    ]
    assert main(["show", "mixed", "--store", url], prog="runs") == 0
    text = capsys.readouterr().out
    assert "ok (cached)" in text and "failed" in text and "ConnectionError: try again (0 left)" in text
