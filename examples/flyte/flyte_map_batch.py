"""`flyte_map("task_name", *iterables, ...)`: a task over many inputs, inside the sandbox.

The first argument names the task as a string; further arguments are
iterables, zipped like `zip`; `concurrency=` bounds the calls in flight and
`group_name=` labels the batch. The result is a list, in input order.
Adapted from Flyte's `examples/sandbox/code_string.py` (batch add,
map-then-reduce), `examples/sandbox/dynamic_code.py` (parallel squares) and
`tests/flyte/sandbox/test_map_in_sandbox.py`.

Port: only the import lines differ from Flyte (`import flyte`, `import flyte.sandbox`), and
`flyte.run(...)` gives the value here, where Flyte's gives a Run (`.outputs()[0]`).
Run: python examples/flyte/flyte_map_batch.py
"""

import runtime as flyte
import runtime.sandbox

env = flyte.TaskEnvironment(name="batch")


@env.task
def cube(x: int) -> int:
    return x * x * x


@env.task
def add(x: int, y: int) -> int:
    return x + y


cubes = flyte.sandbox.orchestrator_from_str(
    'flyte_map("cube", items)',
    inputs={"items": list[int]},
    output=list[int],
    tasks=[cube],
    name="cubes",
)

pairwise = flyte.sandbox.orchestrator_from_str(
    'flyte_map("add", xs, ys, concurrency=2, group_name="pairs")',
    inputs={"xs": list[int], "ys": list[int]},
    output=list[int],
    tasks=[add],
    name="pairwise",
)

sum_of_cubes = flyte.sandbox.orchestrator_from_str(
    """
    total = 0
    for v in flyte_map("cube", items):
        total = total + v
    total
    """,
    inputs={"items": list[int]},
    output=int,
    tasks=[cube],
    name="sum-of-cubes",
)

nothing = flyte.sandbox.orchestrator_from_str(
    'list(flyte_map("cube", items))',
    inputs={"items": list[int]},
    output=list[int],
    tasks=[cube],
    name="nothing",
)


if __name__ == "__main__":
    flyte.init()
    print(flyte.run(cubes, items=[1, 2, 3]))
    print(flyte.run(pairwise, xs=[1, 2, 3], ys=[10, 20, 30]))
    print(flyte.run(sum_of_cubes, items=[1, 2, 3, 4]))
    print(flyte.run(nothing, items=[]))
