"""Caches of pure results, bounded by what they hold, not only by how many entries.

The checker caches verdicts keyed by source text; sources come from users,
editors and models, and may be a megabyte each. A cache bounded by entries
alone can hold hundreds of megabytes of attacker-chosen text; this one also
counts the characters of the keys' text (and a cost per cached diagnostic),
evicting the least recently used entries past either bound.

The runtime keeps its caches keyed by program text (the gate's passing
verdicts, one-shot programs, code mode's templates) in the same class, with
sizes it estimates itself (`put(key, value, size)`) and `max_share=0.25`: an
entry larger than a quarter of the budget is not kept, so one huge program
cannot flush every other.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

DIAGNOSTIC_COST = 256  # characters charged per cached diagnostic (message, positions, fix)


class BoundedCache(Generic[K, V]):
    """A thread-safe LRU map bounded by `max_entries` and by `max_chars` of what
    it holds: each entry costs `size` if given to `put`, else `cost(key, value)`."""

    def __init__(
        self, max_entries: int, max_chars: int, cost: Callable[[K, V], int] | None = None, *, max_share: float = 1.0
    ) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.cost = cost
        self.max_entry = int(max_chars * max_share)
        self.data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.chars = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self.data.get(key)
            if entry is None:
                return None
            self.data.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V, size: int | None = None) -> None:
        if size is None:
            if self.cost is None:
                raise TypeError("this cache has no cost function: pass put(key, value, size)")
            size = self.cost(key, value)
        if size > self.max_entry:
            return  # too large a share of the cache: not worth keeping
        with self._lock:
            previous = self.data.pop(key, None)
            if previous is not None:
                self.chars -= previous[1]
            self.data[key] = (value, size)
            self.chars += size
            while self.data and (len(self.data) > self.max_entries or self.chars > self.max_chars):
                _, (_, evicted) = self.data.popitem(last=False)
                self.chars -= evicted

    def clear(self) -> None:
        with self._lock:
            self.data.clear()
            self.chars = 0

    def __len__(self) -> int:
        return len(self.data)
