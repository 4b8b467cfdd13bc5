"""The options of an orchestrator, a template or a one-shot run, as one frozen value.

    RunOptions.parse({"timeout_ms": 500, "executor": pool}, what="orchestrator `f`")

Accepted everywhere: the limits (`Limits` field names, plus `timeout` in
seconds), `type_check`, `executor`, and (decorated orchestrators) `tasks`.
Anything else is a `TaskDefinitionError` naming the option.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, fields
from typing import Any

from .errors import TaskDefinitionError
from .executors import coerce_executor
from .limits import DEFAULT_LIMITS, Limits
from .tasks import Task, as_task

_OWN = ("type_check", "executor", "tasks", "timeout")


@dataclass(frozen=True)
class RunOptions:
    limits: Limits = DEFAULT_LIMITS
    type_check: bool = False
    executor: Executor | None = None
    tasks: tuple[Task, ...] = ()

    @classmethod
    def parse(cls, options: Mapping[str, Any], *, what: str, allow_tasks: bool = True) -> RunOptions:
        """Options as keyword arguments → `RunOptions`; unknown names are errors."""
        options = dict(options)
        known = {item.name for item in fields(Limits)} | set(_OWN)
        if not allow_tasks:
            known.discard("tasks")
        unknown = sorted(set(options) - known)
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            raise TaskDefinitionError(
                f"{what}: unknown option{plural} {', '.join(f'`{name}`' for name in unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        type_check = options.pop("type_check", False)
        if not isinstance(type_check, bool):
            raise TaskDefinitionError(f"{what}: `type_check` must be True or False, got {type_check!r}")
        executor = coerce_executor(options.pop("executor", None))
        tasks = tuple(as_task(t) for t in options.pop("tasks", None) or ())
        seconds = options.pop("timeout", None)
        if seconds is not None:
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
                raise TaskDefinitionError(f"{what}: `timeout` must be a number of seconds, got {seconds!r}")
            options["timeout_ms"] = int(seconds * 1000)
        return cls(DEFAULT_LIMITS.with_options(**options), type_check, executor, tasks)
