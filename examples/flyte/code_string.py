"""The code-string form of `env.sandbox.orchestrator`.

`env.sandbox.orchestrator(CODE, inputs=..., output=..., tasks=..., name=...)`
makes a reusable sandboxed task from a string, like
`flyte.sandbox.orchestrator_from_str`, but attached to the environment's
settings. Adapted from Flyte's `examples/sandbox/opaque_io.py` and
`tests/flyte/sandbox/test_code_task.py` (`test_code_string_mode`).

Port: only the import line differs from Flyte (`import flyte`), and `flyte.run(...)`
gives the value here, where Flyte's gives a Run (`flyte.run(...).outputs()[0]`).
Run: python examples/flyte/code_string.py
"""

import runtime as flyte

env = flyte.TaskEnvironment(name="pricing")


@env.task
def unit_price(item: str) -> int:
    prices = {"pen": 3, "pad": 5, "ink": 11}
    return prices.get(item, 0)


@env.task
def multiply(x: int, y: int) -> int:
    return x * y


invoice = env.sandbox.orchestrator(
    """
    lines = []
    for item, qty in order:
        lines.append(multiply(unit_price(item), qty))
    {"lines": lines, "total": sum(lines)}
    """,
    inputs={"order": list},
    output=dict,
    tasks=[unit_price, multiply],
    name="invoice",
)

doubled = env.sandbox.orchestrator(
    "multiply(x, 2)",
    inputs={"x": int},
    output=int,
    tasks=[multiply],
)

constant = env.sandbox.orchestrator("6 * 7", output=int, name="constant")


if __name__ == "__main__":
    flyte.init()
    print(invoice.name, doubled.name, constant.name)
    print(flyte.run(invoice, order=[("pen", 4), ("ink", 2)]))
    print(flyte.run(doubled, x=21))
    print(flyte.run(constant))
