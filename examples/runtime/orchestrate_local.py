"""One-shot execution of a code string (Flyte's `orchestrate_local` example).

Run: python examples/runtime/orchestrate_local.py
"""

import asyncio

import runtime as flyte
import runtime.sandbox

env = flyte.TaskEnvironment(name="local-demo")


@env.task
def add(x: int, y: int) -> int:
    return x + y


async def main() -> int:
    result = await flyte.sandbox.orchestrate_local(
        "add(x, y) * 2",
        inputs={"x": 1, "y": 2},
        tasks=[add],
    )
    return result


if __name__ == "__main__":
    print(asyncio.run(main()))
