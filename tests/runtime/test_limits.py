"""Every limit: hit on a real worker, a clear error, and the pool still serves the next run."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sample_tasks import add, env, wait

from runtime import LimitExceeded, Limits, WorkerCrashedError, sandbox
from runtime.errors import TaskDefinitionError


def _pool_still_works() -> None:
    assert sandbox.orchestrate_local_sync("add(20, 22)", tasks=[add]) == 42


def test_defaults_are_always_set():
    limits = Limits()
    assert limits.timeout_ms == 30_000 and limits.max_memory == 50 * 1024 * 1024
    assert limits.max_stack_depth == 256 and limits.max_task_calls == 1000
    assert limits.run_timeout_s == 300 and limits.concurrency == 16
    monty = limits.monty_limits()
    assert monty["max_suspensions"] > limits.max_task_calls  # raised to match the task-call limit
    with pytest.raises(TaskDefinitionError):
        Limits(concurrency=0)


def test_execution_time_limit():
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("i = 0\nwhile True:\n    i = i + 1", timeout_ms=200)
    assert info.value.limit == "time"
    assert "timeout_ms=200" in str(info.value)
    _pool_still_works()


def test_memory_limit():
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("xs = []\nfor i in range(10000000):\n    xs.append('x' * 64)\nlen(xs)", max_memory=8 * 1024 * 1024)
    assert info.value.limit == "memory"
    assert "max_memory=8388608" in str(info.value)
    _pool_still_works()


def test_recursion_limit():
    source = "def down(n):\n    return down(n + 1)\ndown(0)"
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync(source, max_stack_depth=40)
    assert info.value.limit == "recursion"
    assert "max_stack_depth=40" in str(info.value)
    _pool_still_works()


def test_task_call_limit(tracker):
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("t = 0\nfor i in range(100):\n    t = add(t, i)\nt", tasks=[add], max_task_calls=10)
    assert info.value.limit == "task_calls"
    assert "more than 10 task calls" in str(info.value) and "line 3" in str(info.value)
    assert len(tracker.calls) == 10
    _pool_still_works()


def test_many_task_calls_within_the_limit_pass_monty_suspension_budget():
    # Monty's own default budget is 1000 suspensions; the runtime raises it to match
    source = "t = 0\nfor i in range(1500):\n    t = add(t, 1)\nt"
    assert sandbox.orchestrate_local_sync(source, tasks=[add], max_task_calls=2000) == 1500


def test_map_task_elements_count_towards_the_task_call_limit():
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("map_task(add, list(range(20)), list(range(20)))", tasks=[add], max_task_calls=5)
    assert info.value.limit == "task_calls"


def test_host_backstop_run_timeout():
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("await gather(wait(1, 5.0))", tasks=[wait], run_timeout_s=0.3)
    assert info.value.limit == "run_timeout"
    _pool_still_works()


def test_per_task_timeout_in_sync_code():
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("wait(1, 5.0)", tasks=[wait], task_timeout_s=0.2)
    assert info.value.limit == "task_timeout"
    assert "task `wait`" in str(info.value)
    _pool_still_works()


def test_output_limit():
    with pytest.raises(LimitExceeded) as info:
        sandbox.orchestrate_local_sync("for i in range(10000):\n    print('y' * 100)", max_output_bytes=10_000)
    assert info.value.limit == "output"
    _pool_still_works()


def _monty_children() -> list[int]:
    """Worker processes this test process started (children named like monty)."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == me and "monty" in comm:
            found.append(int(entry.name))
    return found


@env.task
def kill_workers(x: int) -> int:
    for pid in _monty_children():
        os.kill(pid, signal.SIGKILL)
    return x


def test_crashed_worker_is_reported_not_hung_on():
    assert _monty_children(), "the Monty pool runs its workers as child processes"
    with pytest.raises(WorkerCrashedError) as info:
        sandbox.orchestrate_local_sync("a = kill_workers(1)\na + 1", tasks=[kill_workers])
    assert "crashed" in str(info.value)
    _pool_still_works()
