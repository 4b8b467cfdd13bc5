"""A reusable task from a code string (Flyte's `compute_pipeline` example).

Run: python examples/runtime/compute_pipeline.py
"""

import runtime as flyte
import runtime.sandbox

env = flyte.TaskEnvironment(name="code-string-demo")


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def multiply(x: int, y: int) -> int:
    return x * y


# Create a reusable task from a code string
compute_pipeline = flyte.sandbox.orchestrator_from_str(
    """
    partial = add(x, y)
    multiply(partial, scale)
    """,
    inputs={"x": int, "y": int, "scale": int},
    output=int,
    tasks=[add, multiply],
    name="compute-pipeline",
)

if __name__ == "__main__":
    print(flyte.run(compute_pipeline, x=2, y=3, scale=4))
