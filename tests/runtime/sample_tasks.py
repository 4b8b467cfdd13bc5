"""Tasks shared by the runtime tests (module-level, so process pools can import them)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Optional

from runtime import DataFrame, Dir, File, TaskEnvironment

env = TaskEnvironment(name="tests")


class Tracker:
    """Counts calls and the most calls in flight at once (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.seen: list[object] = []

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.seen.clear()
            self.in_flight = 0
            self.max_in_flight = 0

    def enter(self, name: str, *args: object) -> None:
        with self.lock:
            self.calls.append((name, args))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


tracker = Tracker()


@env.task
def add(x: int, y: int) -> int:
    tracker.enter("add", x, y)
    tracker.leave()
    return x + y


@env.task
def multiply(x: int, y: int) -> int:
    tracker.enter("multiply", x, y)
    tracker.leave()
    return x * y


@env.task
def fib(n: int) -> int:
    tracker.enter("fib", n)
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    tracker.leave()
    return a


@env.task
def square(x: int) -> int:
    return x * x


@env.task
def wait(x: int, seconds: float) -> int:
    """Sleeps in a thread: used to observe concurrency (never timed)."""
    tracker.enter("wait", x)
    time.sleep(seconds)
    tracker.leave()
    return x


@env.task
async def await_wait(x: int, seconds: float) -> int:
    tracker.enter("await_wait", x)
    await asyncio.sleep(seconds)
    tracker.leave()
    return x


@env.task
def fail(x: int) -> int:
    raise ValueError(f"bad value {x}")


@env.task
def wrong_result(x: int) -> int:
    return "not an int"  # type: ignore[return-value]


@env.task
def describe(items: list[int], label: Optional[str] = None) -> dict[str, int]:
    return {label or "sum": sum(items), "count": len(items)}


@env.task
def read_file(f: File) -> str:
    tracker.seen.append(f)
    return f.path


@env.task
def pick(files: list[File], index: int) -> File:
    tracker.seen.append(files)
    return files[index]


@env.task
def list_dir(d: Dir) -> list[File]:
    return [File(d.path + "/a.txt"), File(d.path + "/b.txt")]


@env.task
def frame_rows(df: DataFrame) -> int:
    tracker.seen.append(df)
    return int(len(df.value))


@env.task
def make_frame(n: int) -> DataFrame:
    import pandas as pd

    return DataFrame(pd.DataFrame({"x": list(range(n))}))


@env.task
def pid(x: int) -> int:
    import os

    return os.getpid()
