"""Tasks for the history tests, shared with the process that is killed mid-run.

`python history_tasks.py STORE_URL MARKER`: runs PIPELINE as run `order-42`;
the call `fetch(3)` touches MARKER and blocks until the process is killed.
"""

import os
import sys
import time

import runtime
from runtime import sandbox

env = runtime.TaskEnvironment(name="history-tests")
BLOCK = {"marker": os.environ.get("HISTORY_MARKER")}


@env.task
def fetch(i: int) -> int:
    marker = BLOCK["marker"]
    if i == 3 and marker:
        open(marker, "w").close()
        time.sleep(600)
    time.sleep(0.003)
    return i * 2


@env.task
async def slow(i: int) -> int:
    import asyncio

    await asyncio.sleep(0.01 * i)
    return i


@env.task
def explode(i: int) -> int:
    raise ValueError(f"row {i} is bad")


PIPELINE = """
async def main():
    a = await fetch(1)
    b = await fetch(2)
    fanned = await gather(slow(3), slow(1), slow(2))
    c = await fetch(3)
    return [a, b, c] + fanned

await main()
"""


def template():
    return sandbox.orchestrator_from_str(PIPELINE, tasks=[fetch, slow], name="pipeline")


if __name__ == "__main__":
    template().execute(run_id="order-42", store=sys.argv[1])
