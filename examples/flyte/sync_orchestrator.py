"""A sandboxed `def` orchestrator that calls worker tasks in a loop.

Adapted from Flyte's `examples/sandbox/orchestrator.py` (the leaderboard) and
`examples/sandbox/sandboxed_tasks.py`, rewritten around a stock-keeping story.
The orchestrator holds only control flow; every task call leaves the sandbox.

Port: only the import line differs from Flyte (`import flyte`), and `flyte.run(...)`
gives the value here, where Flyte's gives a Run (`flyte.run(...).outputs()[0]`).
Run: python examples/flyte/sync_orchestrator.py
"""

import runtime as flyte

env = flyte.TaskEnvironment(name="warehouse")


@env.task
def stock_level(sku: int) -> int:
    """Units on the shelf (a database lookup in real code)."""
    levels = {101: 12, 102: 0, 103: 7, 104: 30}
    return levels.get(sku, 0)


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def shortfall(level: int, target: int) -> int:
    return max(target - level, 0)


@env.sandbox.orchestrator
def restock_plan(skus: list[int], target: int) -> dict[str, int]:
    on_shelf = 0
    empty = 0
    to_order = 0
    for sku in skus:
        level = stock_level(sku)
        on_shelf = add(on_shelf, level)
        if level == 0:
            empty = empty + 1
        to_order = add(to_order, shortfall(level, target))
    return {"on_shelf": on_shelf, "empty": empty, "to_order": to_order}


if __name__ == "__main__":
    flyte.init()
    print(flyte.run(restock_plan, skus=[101, 102, 103, 104], target=20))
    # forward() calls the orchestrator and its tasks as plain Python functions
    print(restock_plan.forward([103, 104], 10))
