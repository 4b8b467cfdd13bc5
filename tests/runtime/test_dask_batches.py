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
    # 12 calls on 4 threads: four chunks (one per thread), still one message
    assert messages == [("map", 4)]


def test_map_task_is_one_batch_and_concurrency_still_bounds_it(client: Any, messages: list[tuple[str, int]]) -> None:
    assert sandbox.orchestrate_local_sync("map_task(square, list(range(10)))", tasks=[square], executor=client) == [
        x * x for x in range(10)
    ]
    assert messages == [("map", 4)]
    messages.clear()
    # with concurrency 4, the first round is 4 calls and each freed slot starts the next
    assert sandbox.orchestrate_local_sync(
        "map_task(square, list(range(10)))", tasks=[square], executor=client, concurrency=4
    ) == [x * x for x in range(10)]
    assert messages[0] == ("map", 4)
    assert sum(n for _, n in messages) == 10  # no round is larger than the threads: no chunks


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


def test_a_round_larger_than_the_cluster_runs_in_chunks(client: Any, messages: list[tuple[str, int]]) -> None:
    """Each call in a chunk keeps its own result, error, order and clock."""
    from runtime.executors import run_chunk

    result = sandbox.orchestrate_local_detailed(
        "await gather(*[square(x) for x in range(20)])", tasks=[square], executor=client, concurrency=20
    )
    assert result.value == [x * x for x in range(20)]
    assert messages == [("map", 4)]
    assert len(result.calls) == 20
    assert [call.args for call in result.calls] == [(x,) for x in range(20)]
    assert all(0 <= call.duration_s < 30 for call in result.calls)
    # the worker's measure of each call, not the chunk's: a call's span never covers the whole chunk's
    chunk = run_chunk([(square, (3,), {}), (fail, (4,), {}), (square, (5,), {})])
    assert [(ok, value if ok else str(value)) for ok, value, _, _ in chunk] == [
        (True, 9),
        (False, "bad value 4"),
        (True, 25),
    ]
    assert chunk[0][2] >= chunk[0][3] >= chunk[1][2] >= chunk[1][3] >= chunk[2][2] >= chunk[2][3] >= 0


def test_an_error_in_a_chunk_is_that_call_s_error(client: Any, messages: list[tuple[str, int]]) -> None:
    program = "await gather(*[square(x) if x != 9 else fail(x) for x in range(16)])"
    with pytest.raises(TaskError) as info:
        sandbox.orchestrate_local_sync(program, tasks=[square, fail], executor=client, concurrency=16)
    assert str(info.value.__cause__) == "bad value 9"
    assert messages[0] == ("map", 4)


def test_a_task_timeout_keeps_each_call_its_own_dask_task(client: Any, messages: list[tuple[str, int]]) -> None:
    assert sandbox.orchestrate_local_sync(
        "await gather(*[square(x) for x in range(12)])",
        tasks=[square],
        executor=client,
        concurrency=12,
        task_timeout_s=30,
    ) == [x * x for x in range(12)]
    assert messages == [("map", 12)]


def test_cancelling_every_call_of_a_chunk_cancels_the_chunk() -> None:
    from concurrent.futures import Future

    from runtime.executors import ChunkedCall

    remote: Future[Any] = Future()
    calls = [ChunkedCall(), ChunkedCall()]
    for call in calls:
        call.chunk = (remote, calls)
    assert calls[0].cancel()
    assert not remote.cancelled()  # the other call still wants the chunk
    assert calls[1].cancel()
    assert remote.cancelled()
