"""Tasks for the code-mode tests (module-level, also loaded by path as `shop.py:env`)."""

from __future__ import annotations

import time

from runtime import TaskEnvironment

env = TaskEnvironment(name="shop")

PRICES = {"apple": 0.5, "bread": 2.25, "cheese": 4.0}


@env.task
def add(x: int, y: int) -> int:
    """Add two integers."""
    return x + y


@env.task
def size(url: str) -> int:
    """The size of the page at `url`, in bytes."""
    return len(url)


@env.task
def fetch(url: str) -> dict[str, int]:
    """Download `url`; returns {"status": ..., "bytes": ...}. Unreachable hosts raise ConnectionError."""
    if "down" in url:
        raise ConnectionError(f"cannot reach {url}")
    return {"status": 200, "bytes": len(url)}


@env.task
def price(item: str) -> float:
    """The unit price of `item` in euros."""
    if item not in PRICES:
        raise KeyError(f"no price for {item!r}")
    return PRICES[item]


@env.task
def nap(seconds: float) -> float:
    """Sleep for `seconds` and return them (a slow task)."""
    time.sleep(seconds)
    return seconds
