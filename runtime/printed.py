"""What a run's program printed: kept up to `max_output_bytes`, and the run stops there.

Monty's own collector (`CollectStreams`) only fails the feed when it ends, so
a program that prints in a loop keeps the worker (and the host, receiving
every chunk) busy until the time limit. `Printed` is the print callback
instead: it counts UTF-8 bytes plus a small overhead per chunk (many empty
prints cost the host too), keeps what fits, and calls `on_overflow` (the
run's `Guard.stop`, which kills the worker) the moment the cap is passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Stream = Literal["stdout", "stderr"]

CHUNK_OVERHEAD = 16
"""Bytes charged for each chunk the worker sends, on top of its text."""


class Printed:
    """A print callback: `(stream, text)` chunks in order, in `output`."""

    __slots__ = ("limit", "used", "output", "overflowed", "on_overflow")

    def __init__(self, limit: int, on_overflow: Callable[[], None] | None = None) -> None:
        self.limit = int(limit)
        self.used = 0
        self.output: list[tuple[Stream, str]] = []
        self.overflowed = False
        self.on_overflow = on_overflow

    def __call__(self, stream: Stream, text: str) -> None:
        if self.overflowed:
            return
        size = (len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))) + CHUNK_OVERHEAD
        if self.used + size <= self.limit:
            self.used += size
            self.output.append((stream, text))
            return
        room = self.limit - self.used - CHUNK_OVERHEAD
        if room > 0:
            kept = text.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
            if kept:
                self.output.append((stream, kept))
        self.used = self.limit
        self.overflowed = True
        if self.on_overflow is not None:
            self.on_overflow()
