"""Run checked sandbox code in Monty, with every task call leaving the sandbox.

Mirrors Flyte's sandbox API, so its examples run by changing the import:

    import runtime as flyte
    env = flyte.TaskEnvironment(name="demo")

    @env.task
    def add(x: int, y: int) -> int:
        return x + y

    @env.sandbox.orchestrator
    def pipeline(n: int) -> int:
        return add(n, 1)

    pipeline(5)                                        # 6, computed in the sandbox
    flyte.sandbox.orchestrator_from_str("add(x, 1)", inputs={"x": int}, output=int, tasks=[add])

See docs/runtime.md.
"""

from __future__ import annotations

from typing import Any

from . import sandbox
from .driver import RunResult
from .environment import TaskEnvironment
from .errors import (
    BoundaryTypeError,
    LimitExceeded,
    RejectedError,
    SandboxError,
    SandboxRuntimeError,
    TaskDefinitionError,
    TaskError,
    TypeCheckError,
    WorkerCrashedError,
)
from .events import CallRecord, Output, RunEvent, RunFinished, RunStarted, TaskCallFinished, TaskCallStarted, add_event_hook
from .handles import DataFrame, Dir, File
from .limits import DEFAULT_LIMITS, Limits
from .orchestrator import Orchestrator
from .sandbox import CodeTaskTemplate
from .tasks import Task

__all__ = [
    "BoundaryTypeError", "CallRecord", "CodeTaskTemplate", "DEFAULT_LIMITS", "DataFrame", "Dir", "File",
    "LimitExceeded", "Limits", "Orchestrator", "Output", "RejectedError", "RunEvent", "RunFinished", "RunResult",
    "RunStarted", "SandboxError", "SandboxRuntimeError", "Task", "TaskCallFinished", "TaskCallStarted",
    "TaskDefinitionError", "TaskEnvironment", "TaskError", "TypeCheckError", "WorkerCrashedError",
    "add_event_hook", "execute", "run", "sandbox",
]


def execute(task: Any, /, **inputs: Any) -> RunResult:
    """Run an orchestrator or template with keyword inputs; the full `RunResult`."""
    if isinstance(task, (Orchestrator, CodeTaskTemplate)):
        return task.execute(**inputs)
    raise TypeError(f"execute() takes a sandbox orchestrator or CodeTaskTemplate, got {type(task).__name__}")


def run(task: Any, /, **inputs: Any) -> Any:
    """Run an orchestrator, a template or a task with keyword inputs; its value
    (Flyte's `flyte.run`). A plain task is simply called on the host."""
    if isinstance(task, Task):
        return task(**inputs)
    if isinstance(task, (Orchestrator, CodeTaskTemplate)):
        return task.execute(**inputs).value
    raise TypeError(f"run() takes a task, a sandbox orchestrator or a CodeTaskTemplate, got {type(task).__name__}")
