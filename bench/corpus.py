"""Generated host files for the benchmarks: what a real module of tasks and orchestrators looks like.

`host_file(lines, findings=...)` builds a deterministic host module of about
`lines` lines: imports and configuration, tasks with ordinary host code (loops,
`try`, sorting: host code may do anything), host helpers and a class, decorated
orchestrators and code-string templates. With `findings=True` some
orchestrators hold the mistakes models make (augmented and subscript
assignment, `.sort()`, `.format()`, an import), so a check reports findings
spread over the file.
"""

from __future__ import annotations

import itertools

HEADER = '''"""Shop reports: tasks on the host, orchestrations in the sandbox."""

from __future__ import annotations

import logging
from collections import defaultdict

import runtime
from runtime import sandbox

LOG = logging.getLogger(__name__)
DATABASE: dict[int, list[dict[str, str]]] = defaultdict(list)
env = runtime.TaskEnvironment(name="shop")

'''

TASK = '''
@env.task
def fetch_orders_{i}(customer_id: int) -> list[dict[str, int]]:
    """Orders of one customer from the shop database."""
    rows = []
    for row in DATABASE.get(customer_id, []):
        try:
            rows.append({{"id": int(row["id"]), "total": int(row["total"])}})
        except (KeyError, ValueError):
            LOG.warning("bad row %r", row)
    rows.sort(key=lambda r: r["id"])
    return rows

'''

HELPER = '''
class Ledger{i}:
    """Host-side bookkeeping (never seen by the sandbox)."""

    def __init__(self) -> None:
        self.entries: dict[str, int] = {{}}

    def add(self, key: str, amount: int) -> None:
        self.entries[key] = self.entries.get(key, 0) + amount

    def total(self) -> int:
        return sum(self.entries.values())

'''

ORCHESTRATOR = '''
@env.sandbox.orchestrator
def report_{i}(customer_ids: list[int], threshold: int) -> dict[str, int]:
    totals = {{}}
    for customer_id in customer_ids:
        orders = fetch_orders_{j}(customer_id)
        spent = sum([order["total"] for order in orders])
        totals = {{**totals, str(customer_id): spent}}
    large = [key for key, value in totals.items() if value > threshold]
    ranked = sorted(large, key=lambda key: totals[key], reverse=True)
    return {{"customers": len(totals), "large": len(ranked)}}

'''

ORCHESTRATOR_WITH_FINDINGS = '''
@env.sandbox.orchestrator
def summary_{i}(customer_ids: list[int], threshold: int) -> dict[str, int]:
    totals = {{}}
    count = 0
    for customer_id in customer_ids:
        orders = fetch_orders_{j}(customer_id)
        totals[str(customer_id)] = sum([order["total"] for order in orders])
        count += 1
    large = [key for key, value in totals.items() if value > threshold]
    large.sort()
    return {{"customers": count, "large": len(large), "label": "{{}} large".format(len(large))}}

'''

TEMPLATE = '''
pages_{i} = sandbox.orchestrator_from_str(
    """
    pages = [fetch_orders_{j}(customer_id) for customer_id in customer_ids]
    sizes = [len(page) for page in pages]
    {{"total": sum(sizes), "pages": len(pages)}}
    """,
    inputs={{"customer_ids": list[int]}},
    output=dict[str, int],
    tasks=[fetch_orders_{j}],
)

'''


def host_file(lines: int, *, findings: bool = False) -> str:
    """A host module of at least `lines` lines (deterministic)."""
    parts = [HEADER]
    count = HEADER.count("\n")
    kinds = itertools.cycle(["task", "orchestrator", "helper", "task", "orchestrator", "template"])
    tasks = 0
    for number, kind in enumerate(kinds):
        if count >= lines:
            break
        if kind == "task" or tasks == 0:
            block = TASK.format(i=tasks)
            tasks += 1
        elif kind == "orchestrator":
            template = ORCHESTRATOR_WITH_FINDINGS if findings and number % 4 == 1 else ORCHESTRATOR
            block = template.format(i=number, j=number % tasks)
        elif kind == "helper":
            block = HELPER.format(i=number)
        else:
            block = TEMPLATE.format(i=number, j=number % tasks)
        parts.append(block)
        count += block.count("\n")
    return "".join(parts)
