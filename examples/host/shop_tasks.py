"""Host-side tasks for the scripts in examples/scripts/ (their interface is
examples/scripts/tasks.pyi). Stand-ins with small, fixed data so the scripts
run anywhere; a real application would call its services here.

    sandbox-lint run scripts/good/order_report.py --tasks host/shop_tasks.py:env \\
        --input 'customer_ids=[1, 2, 3]' --input threshold=50
    sandbox-lint stubs host/shop_tasks.py:env     # the task half of tasks.pyi
"""

import asyncio

from runtime import DataFrame, File, TaskEnvironment

env = TaskEnvironment(name="shop")

_ORDERS = {
    1: [{"lines": [{"quantity": 2.0, "unit_price": 9.5}, {"quantity": 1.0, "unit_price": 30.0}]}],
    2: [{"lines": [{"quantity": 10.0, "unit_price": 12.0}]}, {"lines": [{"quantity": 1.0, "unit_price": 99.0}]}],
    3: [],
}
_PRICES = {"apple": 1.2, "pear": 1.5, "plum": 0.4}


@env.task
def fetch_orders(customer_id: int) -> list[dict[str, list[dict[str, float]]]]:
    return _ORDERS.get(customer_id, [])


@env.task
def get_quote(sku: str, region: str = "eu") -> dict[str, float]:
    price = _PRICES.get(sku)
    return {"ok": 1.0, "price": price} if price is not None else {"ok": 0.0, "price": 0.0}


@env.task
async def fetch_page(url: str) -> dict[str, str]:
    await asyncio.sleep(0.01)
    ok = not url.endswith("/missing")
    return {"url": url, "status": "200" if ok else "404", "text": f"contents of {url}" if ok else ""}


@env.task
async def summarize(texts: list[str], *, max_words: int = 100) -> str:
    words = " ".join(texts).split()
    return " ".join(words[:max_words])


@env.task
def load_table(file: File) -> DataFrame:
    rows = [] if "empty" in file.path else [{"file": file.path, "row": n} for n in range(3)]
    return DataFrame(rows)


@env.task
def row_count(frame: DataFrame) -> int:
    return len(frame.value)


@env.task
def merge_tables(frames: list[DataFrame]) -> DataFrame:
    return DataFrame([row for frame in frames for row in frame.value])


@env.task
def write_parquet(frame: DataFrame, name: str) -> File:
    return File(f"/tmp/{name}")
