"""gather / map_task fan-out within the concurrency bound (observed by counting, never timing)."""

from __future__ import annotations

from sample_tasks import add, await_wait, env, square, wait

from runtime import sandbox


@env.sandbox.orchestrator(concurrency=3)
async def gathered(n: int) -> list[int]:
    return await gather(*[wait(i, 0.05) for i in range(n)])


@env.sandbox.orchestrator
def sync_fan_out(xs: list[int]) -> list[int]:
    return map_task(wait, xs, [0.05] * len(xs), concurrency=4)


def test_gather_runs_concurrently_within_the_bound(tracker):
    assert gathered.forward(9) == list(range(9))
    assert tracker.max_in_flight == 3
    assert sorted(args[0] for _, args in tracker.calls) == list(range(9))


def test_gather_keeps_result_order_with_async_tasks(tracker):
    source = "await gather(*[await_wait(i, 0.01 * (5 - i)) for i in range(5)])"
    assert sandbox.orchestrate_local_sync(source, tasks=[await_wait], concurrency=5) == [0, 1, 2, 3, 4]
    assert tracker.max_in_flight == 5


def test_map_task_in_sync_code_still_fans_out(tracker):
    assert sync_fan_out(list(range(10))) == list(range(10))
    assert tracker.max_in_flight == 4


def test_map_task_bound_under_run_bound(tracker):
    source = "map_task(wait, list(range(8)), [0.05] * 8, concurrency=6)"
    assert sandbox.orchestrate_local_sync(source, tasks=[wait], concurrency=2) == list(range(8))
    assert tracker.max_in_flight == 2


def test_map_task_awaited_in_async_code_and_by_name():
    source = "async def main(xs):\n    return await map_task(square, xs)\nawait main(items)"
    assert sandbox.orchestrate_local_sync(source, inputs={"items": [1, 2, 3]}, tasks=[square]) == [1, 4, 9]
    assert sandbox.orchestrate_local_sync("map_task('square', [4])", tasks=[square]) == [16]
    assert sandbox.orchestrate_local_sync("map_task(add, [1, 2], [10, 20])", tasks=[add]) == [11, 22]


def test_two_map_tasks_gathered():
    source = "await gather(map_task(square, [1, 2]), map_task(add, [1], [1]))"
    assert sandbox.orchestrate_local_sync(source, tasks=[square, add]) == [[1, 4], [2]]


def test_sync_calls_are_sequential(tracker):
    source = "[wait(i, 0.01) for i in range(4)]"
    assert sandbox.orchestrate_local_sync(source, tasks=[wait]) == [0, 1, 2, 3]
    assert tracker.max_in_flight == 1


def test_async_helper_functions_and_nested_gather():
    source = """
    async def double_then_square(x):
        y = await add(x, x)
        return await square(y)

    async def main(xs):
        return await gather(*[double_then_square(x) for x in xs])

    await main([1, 2, 3])
    """
    assert sandbox.orchestrate_local_sync(source, tasks=[add, square]) == [4, 16, 36]
