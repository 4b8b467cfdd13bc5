"""Decorated orchestrators: `@env.sandbox.orchestrator` on a `def` or `async def`.

The function's own source runs in the sandbox, never the function object:
the `def` (decorators stripped) is fed to Monty at its original line in the
host file, followed by one call line, so every diagnostic and every runtime
error names the host file's line. Its parameters are the program's inputs,
its annotations the boundary types, its return value the result.

The gate runs on first call (tasks defined below the orchestrator in the
module must exist by then) or on `orch.check()`. The tasks it may call are
its environment's tasks, the module's `@env.task` globals and any `tasks=`.

An orchestrator can itself be a task of another program (`tasks=[orch]`, as
Flyte's tests write it): `as_task()` gives a `Task` whose call is a nested
sandboxed run of the orchestrator, with its own gate and limits.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import threading
from collections.abc import Callable
from typing import Any

from sandbox_lint.lines import split_lines_keepends
from sandbox_lint.typespec import TypeSpec

from .driver import RunResult
from .errors import TaskDefinitionError
from .events import EventHook
from .interceptors import run_program
from .limits import Limits
from .offload import offload
from .options import RUN_SETTINGS, RunOptions, RunSettings, StoreLike
from .program import Program, build_program
from .tasks import Task, TaskOptions, TaskSource, _load_by_reference, parse_signature


class Orchestrator:
    """A sandboxed orchestrator. Calling it runs it (an `async def` one returns
    a coroutine); `.execute(...)` returns the full `RunResult`."""

    def __init__(
        self, func: Callable[..., Any], env: TaskSource | None, name: str | None, options: RunOptions,
        task_options: TaskOptions | None = None,
    ) -> None:
        self.func = func
        self.env = env
        self.name = name or func.__name__
        self.options = options
        self.task_options = task_options or TaskOptions()
        self._task: Task | None = None
        self.is_async = inspect.iscoroutinefunction(func)
        self.signature, self.param_specs, self.return_spec, _ = parse_signature(func, what="orchestrator", code="SBX302")
        for param in self.signature.parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TaskDefinitionError(f"orchestrator `{func.__name__}`: `*{param.name}` parameters cannot be sandbox inputs", code="SBX302")
            if param.name in RUN_SETTINGS:
                raise TaskDefinitionError(
                    f"orchestrator `{func.__name__}`: the parameter name `{param.name}` is reserved for the run "
                    f"settings ({', '.join(RUN_SETTINGS)}); rename it", code="SBX302",
                )
        self.filename, self.text = self._sandbox_text()
        self._program: Program | None = None
        self._lock = threading.Lock()
        self.__name__ = func.__name__
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    @property
    def limits(self) -> Limits:
        return self.options.limits

    def _sandbox_text(self) -> tuple[str, str]:
        try:
            lines, first_line = inspect.getsourcelines(self.func)
            filename = inspect.getsourcefile(self.func) or "<orchestrator>"
        except (OSError, TypeError) as exc:
            raise TaskDefinitionError(f"orchestrator `{self.func.__name__}`: its source is not available ({exc})", code="SBX302") from None
        block = textwrap.dedent("".join(lines))
        tree = ast.parse(block)
        node = tree.body[0]
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):  # pragma: no cover - getsourcelines of a def
            raise TaskDefinitionError("an orchestrator must be a `def` or `async def`", code="SBX302")
        block_lines = split_lines_keepends(block)
        definition = "".join(block_lines[node.lineno - 1 : node.end_lineno])
        if not definition.endswith("\n"):
            definition += "\n"
        host_line = first_line + node.lineno - 1  # the `def` line in the host file (after decorators)
        arguments = []
        for param in self.signature.parameters.values():
            arguments.append(f"{param.name}={param.name}" if param.kind is param.KEYWORD_ONLY else param.name)
        call = f"{node.name}({', '.join(arguments)})"
        if self.is_async:
            call = "await " + call
        return filename, "\n" * (host_line - 1) + definition + call + "\n"

    def tasks(self) -> dict[str, Task]:
        """The tasks the orchestrator may call (its exact interface)."""
        found: dict[str, Task] = {}
        for name, value in getattr(self.func, "__globals__", {}).items():
            if isinstance(value, Task) and value.name == name:
                found[name] = value
        if self.env is not None:
            found.update((key, value) for key, value in self.env.tasks.items() if isinstance(value, Task))
        for task in self.options.tasks:
            found[task.name] = task
        # its own `def` is fed under its name, which would hide a task of that name
        found.pop(self.func.__name__, None)
        return found

    def check(self) -> Program:
        """Run the gate now (otherwise it runs on first call); raises `RejectedError`."""
        with self._lock:
            if self._program is None:
                specs: dict[str, TypeSpec | None] = dict(self.param_specs)
                self._program = build_program(
                    name=self.name, filename=self.filename, text=self.text, tasks=self.tasks(),
                    input_specs=specs, output_spec=self.return_spec, options=self.options,
                )
            return self._program

    def _inputs(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    def execute(
        self, *args: Any, on_event: EventHook | None = None, run_id: str | None = None, store: StoreLike | None = None,
        **kwargs: Any,
    ) -> RunResult:
        """Run and return the `RunResult` (value, output, task calls). With `store`
        (and a `run_id`), the run is journaled and the same `run_id` resumes it."""
        settings = RunSettings.parse(run_id, store, on_event)
        return run_program(self.check(), self._inputs(args, kwargs), settings)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_async:
            return self.aio(*args, **kwargs)
        return self.execute(*args, **kwargs).value

    async def aio(self, *args: Any, **kwargs: Any) -> Any:
        """Run without blocking the event loop."""
        result = await offload(self.execute, *args, **kwargs)
        return result.value

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run synchronously, whatever the kind of function (Flyte's `forward`)."""
        return self.execute(*args, **kwargs).value

    def as_task(self) -> Task:
        """This orchestrator as a task of another program: each call is a nested
        sandboxed run (blocking, so an `async def` orchestrator is a sync task)."""
        with self._lock:
            if self._task is None:
                self._task = OrchestratorTask(self)
            return self._task

    def __repr__(self) -> str:
        return f"<sandbox orchestrator {self.name} ({self.filename})>"


def _orchestrator_task(module: str, qualname: str) -> Task:
    return as_orchestrator(_load_by_reference(module, qualname)).as_task()


def as_orchestrator(value: Any) -> Orchestrator:
    if not isinstance(value, Orchestrator):
        raise TypeError(f"expected a sandboxed orchestrator, got {type(value).__name__}")
    return value


class OrchestratorTask(Task):
    """A sandboxed orchestrator called as a task: the call runs it in the sandbox."""

    def __init__(self, orchestrator: Orchestrator) -> None:
        @functools.wraps(orchestrator.func)
        def run_nested(*args: Any, **kwargs: Any) -> Any:
            return orchestrator.execute(*args, **kwargs).value

        super().__init__(run_nested, orchestrator.env, orchestrator.task_options)
        self.orchestrator = orchestrator

    def __reduce__(self) -> tuple[Any, ...]:
        # process-pool and Dask workers rebuild it from the module's orchestrator
        return (_orchestrator_task, (self.__module__, self.__qualname__))

    def __repr__(self) -> str:
        return f"<task {self.name}: the sandboxed orchestrator {self.orchestrator.name}>"
