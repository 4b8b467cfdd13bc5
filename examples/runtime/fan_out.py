"""Async fan-out with gather and map_task, bounded concurrency, and a trace of events.

Run: python examples/runtime/fan_out.py
"""

import asyncio

import runtime

env = runtime.TaskEnvironment(name="fan-out")


@env.task
async def fetch(i: int) -> int:
    await asyncio.sleep(0.05)
    return i * 10


@env.task
def score(x: int) -> float:
    return x / 100


@env.sandbox.orchestrator(concurrency=8, max_task_calls=200)
async def fan_out(n: int) -> dict[str, float]:
    raw = await gather(*[fetch(i) for i in range(n)])
    scores = await map_task(score, raw, concurrency=4)
    print("scored", len(scores), "items")
    return {"best": max(scores), "mean": sum(scores) / len(scores)}


if __name__ == "__main__":
    calls = []
    remove = runtime.add_event_hook(lambda e: calls.append(e) if isinstance(e, runtime.TaskCallFinished) else None)
    print(asyncio.run(fan_out(16)))
    remove()
    print(len(calls), "task calls traced")
