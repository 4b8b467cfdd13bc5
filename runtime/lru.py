"""A least-recently-used cache bounded by bytes as well as entries.

The runtime keeps a few caches keyed by program text (the gate's passing
verdicts, one-shot programs, code mode's templates). The text is the caller's
(or a model's, or an attacker's): bounding by entries alone lets 600 distinct
1 MB programs hold 600 MB. Each entry here is charged a size (the caller's
estimate, at least the texts it holds) and the oldest entries go when the total
passes `max_bytes`; an entry larger than a quarter of the budget is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedLRU(Generic[K, V]):
    """Thread-safe; `get` refreshes an entry, `put` evicts the oldest past either bound."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V, size: int) -> None:
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, size)
            self.size += size
            while self._entries and (self.size > self.max_bytes or len(self._entries) > self.max_entries):
                _, (_, freed) = self._entries.popitem(last=False)
                self.size -= freed

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0
