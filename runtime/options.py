"""The options of an orchestrator, a template or a one-shot run, as one frozen value.

    RunOptions.parse({"timeout_ms": 500, "executor": pool}, what="orchestrator `f`")

Accepted everywhere: the limits (`Limits` field names, plus `timeout` in
seconds), `type_check`, `executor`, and (decorated orchestrators) `tasks`.
Anything else is a `TaskDefinitionError` naming the option.

What changes from one run to the next travels as `RunSettings`: the run id,
the store that journals it, the run's event hook.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, fields
from typing import Any, Union

from .errors import TaskDefinitionError
from .events import EventHook
from .executors import coerce_executor
from .limits import DEFAULT_LIMITS, Limits
from .store import RunStore, StoreError
from .store.base import check_run_id
from .tasks import Task, as_task

_OWN = ("type_check", "executor", "tasks", "timeout")
RUN_SETTINGS = ("run_id", "store", "on_event")
"""Keyword arguments every entry point takes per run; not usable as input names."""

StoreLike = Union[RunStore, str, "os.PathLike[str]"]


@dataclass(frozen=True)
class RunSettings:
    """One run's identity and where it is journaled.

    `run_id`: the run's id (default: a fresh one). With `store` (a `RunStore`,
    or a path or URL opened for the run), the run is journaled there and
    running the same `run_id` again resumes it (docs/durability.md).
    `on_event`: this run's event hook.
    """

    run_id: str | None = None
    store: StoreLike | None = None
    on_event: EventHook | None = None

    @classmethod
    def parse(cls, run_id: Any = None, store: Any = None, on_event: Any = None) -> RunSettings:
        """Checked settings; `TypeError`/`ValueError` naming the bad one."""
        if run_id is not None:
            if not isinstance(run_id, str):
                raise TypeError(f"run_id must be a string, got {type(run_id).__name__}")
            try:
                check_run_id(run_id)
            except StoreError as exc:
                raise ValueError(str(exc)) from None
        if store is not None and not isinstance(store, (RunStore, str, os.PathLike)):
            raise TypeError(f"store must be a RunStore, a path or a URL, got {type(store).__name__}")
        if on_event is not None and not callable(on_event):
            raise TypeError(f"on_event must be callable, got {type(on_event).__name__}")
        return cls(run_id, store, on_event)


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
