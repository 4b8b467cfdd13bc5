"""Calls to a Dask client start in batches: the calls a program issues back to
back reach the scheduler in one `client.map`, not one message each, and no call
waits longer than the sandbox keeps issuing (docs/runtime.md, "Executors")."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sample_tasks import add, fail, square, tracker

from runtime import TaskError, sandbox

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Any:
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=4, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture
def messages(client: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """What reaches the Dask client: ("map", n calls) or ("submit", 1)."""
    seen: list[tuple[str, int]] = []
    real_map, real_submit = client.map, client.submit

    def map_(func: Any, *iterables: Any, **kwargs: Any) -> Any:
        seen.append(("map", len(iterables[0])))
        return real_map(func, *iterables, **kwargs)

    def submit(func: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(("submit", 1))
        return real_submit(func, *args, **kwargs)

    monkeypatch.setattr(client, "map", map_)
    monkeypatch.setattr(client, "submit", submit)
    return seen


def test_a_gather_reaches_the_scheduler_as_one_batch(client: Any, messages: list[tuple[str, int]]) -> None:
    assert sandbox.orchestrate_local_sync(
        "await gather(*[square(x) for x in range(12)])", tasks=[square], executor=client, concurrency=12
    ) == [x * x for x in range(12)]
    assert messages == [("map", 12)]


def test_map_task_is_one_batch_and_concurrency_still_bounds_it(client: Any, messages: list[tuple[str, int]]) -> None:
    assert sandbox.orchestrate_local_sync("map_task(square, list(range(10)))", tasks=[square], executor=client) == [
        x * x for x in range(10)
    ]
    assert messages == [("map", 10)]
    messages.clear()
    # with concurrency 4, the first round is 4 calls and each freed slot starts the next
    assert sandbox.orchestrate_local_sync(
        "map_task(square, list(range(10)))", tasks=[square], executor=client, concurrency=4
    ) == [x * x for x in range(10)]
    assert messages[0] == ("map", 4)
    assert sum(n for _, n in messages) == 10


def test_sequential_awaits_are_not_held_back(client: Any, messages: list[tuple[str, int]]) -> None:
    program = "a = await square(2)\nb = await add(a, 1)\nb"
    assert sandbox.orchestrate_local_sync(program, tasks=[square, add], executor=client) == 5
    assert messages == [("submit", 1), ("submit", 1)]


def test_a_call_never_awaited_still_starts(client: Any, messages: list[tuple[str, int]]) -> None:
    tracker.reset()
    program = "await square(1)\nlater = add(2, 3)\n7"  # a future nobody awaits
    assert sandbox.orchestrate_local_sync(program, tasks=[square, add], executor=client) == 7
    deadline = time.monotonic() + 30
    while ("add", (2, 3)) not in tracker.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ("add", (2, 3)) in tracker.calls


def test_an_error_in_a_batch_is_that_call_s_error(client: Any, messages: list[tuple[str, int]]) -> None:
    with pytest.raises(TaskError) as info:
        sandbox.orchestrate_local_sync(
            "await gather(square(1), fail(2), square(3))", tasks=[square, fail], executor=client
        )
    assert str(info.value.__cause__) == "bad value 2"
    assert messages == [("map", 3)]
