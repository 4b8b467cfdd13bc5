"""`TaskEnvironment`: a named group of tasks and sandboxed orchestrators (Flyte's name).

    env = TaskEnvironment(name="demo")

    @env.task
    def add(x: int, y: int) -> int: ...

    @env.sandbox.orchestrator
    def pipeline(n: int) -> int: ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import TaskDefinitionError
from .orchestrator import SandboxNamespace
from .tasks import Task


class TaskEnvironment:
    """A named group of tasks and sandboxed orchestrators (Flyte's `TaskEnvironment`)."""

    def __init__(self, name: str, **_options: Any) -> None:
        self.name = name
        self.tasks: dict[str, Task] = {}
        self.sandbox = SandboxNamespace(self)

    def task(self, func: Callable[..., Any] | None = None, **_options: Any) -> Any:
        """Register a task: `@env.task` or `@env.task()`."""
        if func is None:
            return lambda f: self.task(f)
        task = Task(func, self)
        existing = self.tasks.get(task.name)
        if existing is not None and existing.func is not func and existing.__qualname__ != task.__qualname__:
            raise TaskDefinitionError(f"environment {self.name!r} already has a task named `{task.name}`", code="SBX402")
        self.tasks[task.name] = task
        return task

    def __repr__(self) -> str:
        return f"TaskEnvironment({self.name!r}, tasks={sorted(self.tasks)})"
