"""A process that runs a journaled orchestration of 20 task calls, for the crash tests.

    python crash_worker.py MODE STORE_URL RUN_ID LOG_FILE BLOCK_AT

MODE is `sequential` (20 calls one after the other) or `gather` (two fan-outs
of 10). Every execution of the task appends its argument to LOG_FILE, so the
test counts executions; the call `step(BLOCK_AT)` blocks (until the process
is killed) instead of returning. Prints the run's result as JSON.
"""

import json
import sys
import time

import runtime
from runtime import sandbox

MODE, STORE_URL, RUN_ID, LOG_FILE, BLOCK_AT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])

env = runtime.TaskEnvironment(name="crash")


@env.task
def step(i: int) -> int:
    with open(LOG_FILE, "a", encoding="utf-8") as log:
        log.write(f"{i}\n")
    if i == BLOCK_AT:
        time.sleep(600)  # the test kills the process here
    return i * i


SEQUENTIAL = """
total = 0
squares = []
for i in range(1, 21):
    squares.append(step(i))
{"total": sum(squares), "squares": squares}
"""

GATHER = """
async def main():
    first = await gather(*[step(i) for i in range(1, 11)])
    second = await gather(*[step(i) for i in range(11, 21)])
    squares = first + second
    return {"total": sum(squares), "squares": squares}

await main()
"""

if __name__ == "__main__":
    source = SEQUENTIAL if MODE == "sequential" else GATHER
    result = sandbox.orchestrate_local_sync(source, tasks=[step], run_id=RUN_ID, store=STORE_URL)
    print(json.dumps(result), flush=True)
