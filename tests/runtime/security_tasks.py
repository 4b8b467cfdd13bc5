"""Tasks the security tests call (module-level, so `sandbox-lint run --tasks` can load them)."""

from __future__ import annotations

from typing import Any

from runtime import TaskEnvironment

env = TaskEnvironment(name="security")
received: list[Any] = []


@env.task
def take_any(x: list | dict | tuple | str | int) -> int:
    """Takes any container or scalar (what a generic task accepts)."""
    return 1


@env.task
def take_text(x: str) -> int:
    received.append(x)
    return len(x)


@env.task
def take_list(x: list) -> int:
    return len(x)


@env.task
def ident(x: str) -> str:
    return x


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def echo_keys(d: dict) -> list:
    received.append(d)
    return list(d)


@env.task
def ready() -> int:
    """Tells a test watching this process's stdout that the run has started."""
    print("READY", flush=True)
    return 1
