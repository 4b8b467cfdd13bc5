"""A host file: tasks run on the host, orchestrators run in the sandbox.

sandbox-lint checks only the sandboxed parts of a file like this one: the
bodies and signatures of `@env.sandbox.orchestrator` functions, and the code
strings passed to `orchestrator_from_str(...)`. Task bodies are ordinary
Python and may do anything; only their signatures are checked (SBX303).

`customer_report` and `SCALED_SUM` are clean; `risky_report` and
`TOTALS_BY_REGION` show what the checker reports. Because the runtime checks
every orchestrator when it is defined, importing this module fails at
`risky_report`: the file is an example for the checker, not a program.

    sandbox-lint check examples/host/pipelines.py
"""

import statistics

import runtime
from runtime import TaskEnvironment

env = TaskEnvironment(name="pipelines")

LARGE_ORDER = 1_000.0  # a host global: orchestrators cannot see it


@env.task
def fetch_orders(customer_id: int) -> list[dict[str, float]]:
    """Orders of one customer, from the order service."""
    return [{"amount": 120.0 * customer_id}, {"amount": 80.5}]


@env.task
def median_amount(amounts: list[float]) -> float:
    return statistics.median(amounts) if amounts else 0.0


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def multiply(x: int, y: int) -> int:
    return x * y


@env.sandbox.orchestrator
def customer_report(customer_ids: list[int], threshold: float) -> dict[str, list[int]]:
    """Customers whose median order is above `threshold`, and the others."""
    above = []
    below = []
    for customer_id in customer_ids:
        amounts = [order["amount"] for order in fetch_orders(customer_id)]
        if median_amount(amounts) >= threshold:
            above.append(customer_id)
        else:
            below.append(customer_id)
    return {"above": above, "below": below}


@env.sandbox.orchestrator(timeout=30)
def risky_report(customer_ids: list[int]) -> set[int]:
    totals = {}
    for customer_id in customer_ids:
        for order in fetch_orders(customer_id):
            totals[customer_id] = totals.get(customer_id, 0.0) + order["amount"]
    large = set()
    for customer_id, total in totals.items():
        if total > LARGE_ORDER:
            large.add(customer_id)
    return large


SCALED_SUM = runtime.sandbox.orchestrator_from_str(
    """
    partial = add(x, y)
    multiply(partial, scale)
    """,
    inputs={"x": int, "y": int, "scale": int},
    output=int,
    tasks=[add, multiply],
    name="scaled-sum",
)

TOTALS_BY_REGION = runtime.sandbox.orchestrator_from_str(
    """
    import collections
    totals = collections.Counter()
    for customer_id in customer_ids:
        try:
            orders = fetch_orders(customer_id)
        except KeyError:
            continue
        totals[region] += sum(o["amount"] for o in orders)
    "Total for {}: {}".format(region, totals[region])
    """,
    inputs={"customer_ids": list[int], "region": str},
    output=str,
    tasks=[fetch_orders],
    name="totals-by-region",
)
