"""Parameterized code generation (Flyte's `make_reducer` example).

Run: python examples/runtime/reducers.py
"""

import runtime as flyte
import runtime.sandbox


def make_reducer(operation: str) -> flyte.sandbox.CodeTaskTemplate:
    """Create a sandboxed task that reduces a list using the given operation."""
    if operation == "sum":
        body = """
            acc = 0
            for v in values:
                acc = acc + v
            acc
        """
    elif operation == "product":
        body = """
            acc = 1
            for v in values:
                acc = acc * v
            acc
        """
    else:
        raise ValueError(f"Unknown operation: {operation}")

    return flyte.sandbox.orchestrator_from_str(
        body,
        inputs={"values": list},
        output=int,
        name=f"reduce-{operation}",
    )


sum_task = make_reducer("sum")
product_task = make_reducer("product")

if __name__ == "__main__":
    print(flyte.run(sum_task, values=[1, 2, 3, 4]))
    print(flyte.run(product_task, values=[1, 2, 3, 4]))
