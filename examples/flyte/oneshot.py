"""One-shot code strings with `flyte.sandbox.orchestrate_local`.

`await orchestrate_local(code, inputs=..., tasks=...)` checks and runs a code
string once and returns its value: no template, no registration. Adapted from
Flyte's `examples/sandbox/oneshot_run.py` and `examples/sandbox/dynamic_code.py`
(`flyte_map_local`).

Port: only the import lines differ from Flyte (`import flyte`, `import flyte.sandbox`).
Run: python examples/flyte/oneshot.py
"""

import asyncio

import runtime as flyte
import runtime.sandbox

env = flyte.TaskEnvironment(name="oneshot")


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def power(base: int, exp: int) -> int:
    result = 1
    for _ in range(exp):
        result = result * base
    return result


async def main() -> None:
    words = await flyte.sandbox.orchestrate_local("[w.upper() for w in text.split()]", inputs={"text": "tea for two"})
    print(words)
    print(await flyte.sandbox.orchestrate_local("power(add(a, b), 2)", inputs={"a": 2, "b": 5}, tasks=[add, power]))
    print(
        await flyte.sandbox.orchestrate_local(
            'flyte_map("power", bases, exps)', inputs={"bases": [2, 3, 4], "exps": [3, 2, 1]}, tasks=[power]
        )
    )
    print(
        await flyte.sandbox.orchestrate_local(
            """
            steps = []
            for i in range(n):
                steps.append(add(i, i))
            {"steps": steps, "last": steps[-1]}
            """,
            inputs={"n": 4},
            tasks=[add],
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
