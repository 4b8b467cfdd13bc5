"""A sandboxed orchestrator calling worker tasks (Flyte's `pipeline` example).

Only the import line differs from Flyte: `import runtime as flyte`.
Run: python examples/runtime/pipeline.py
"""

import runtime as flyte

env = flyte.TaskEnvironment(name="sandboxed-demo")


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def multiply(x: int, y: int) -> int:
    return x * y


@env.task
def fib(n: int) -> int:
    """Compute the nth Fibonacci number iteratively."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


@env.sandbox.orchestrator
def pipeline(n: int) -> dict[str, int]:
    fib_result = fib(n)
    linear_result = add(multiply(n, 2), 5)
    total = add(fib_result, linear_result)

    return {
        "fib": fib_result,
        "linear": linear_result,
        "total": total,
    }


if __name__ == "__main__":
    print(flyte.run(pipeline, n=5))
