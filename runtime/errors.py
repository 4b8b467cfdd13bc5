"""Every way a run can fail, as one exception family.

All errors derive from `SandboxError` and carry `output` (everything the
program printed before it failed), so output is never lost on error, and
`calls` (the task calls that finished before it failed).

    SandboxError
    ├── RejectedError         the gate (checker) or `type_check=True` refused the program
    ├── SandboxRuntimeError   the program raised inside the sandbox
    ├── TaskError             a task raised (original exception chained)
    ├── BoundaryTypeError     a value crossing the boundary has the wrong type
    ├── LimitExceeded         a resource limit was hit (`.limit` names it)
    └── WorkerCrashedError    the Monty worker process died

`TaskDefinitionError` (a `TypeError`) is raised at decoration or template
creation time, before anything runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox_lint.diagnostics import Diagnostic

    from .events import CallRecord


class SandboxError(Exception):
    """Base class: a run of sandbox code failed."""

    def __init__(self, message: str, *, output: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.output = output
        self.calls: tuple[CallRecord, ...] = ()
        """The task calls that finished before the run failed, in the order they were made."""
        self.run_id: str | None = None
        """The id of the run that failed (None before a run started)."""

    def __str__(self) -> str:
        return self.message


class RejectedError(SandboxError):
    """The program did not pass the gate; nothing ran and no task was called.

    `diagnostics` are the checker's (or the type checker's) findings; `str()`
    renders them in the `llm` format, ready to be fed back to a model.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic], *, filename: str = "<sandbox>", rendered: str) -> None:
        super().__init__(rendered)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.filename = filename

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]


class TypeCheckError(RejectedError):
    """`type_check=True` and Monty's bundled type checker (ty) found errors."""


class SandboxRuntimeError(SandboxError):
    """The sandbox program raised. `line` is in the user's source (the host
    file's line for decorated orchestrators)."""

    def __init__(
        self,
        message: str,
        *,
        exc_type: str,
        exc_message: str,
        filename: str,
        line: int | None,
        source_line: str | None,
        traceback_text: str = "",
        output: str = "",
    ) -> None:
        super().__init__(message, output=output)
        self.exc_type = exc_type
        self.exc_message = exc_message
        self.filename = filename
        self.line = line
        self.source_line = source_line
        self.traceback_text = traceback_text


class TaskError(SandboxError):
    """A task raised. The original exception is `__cause__` (and `.original`)."""

    def __init__(
        self,
        message: str,
        *,
        task: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        call_key: str,
        filename: str,
        line: int | None,
        source_line: str | None,
        original: BaseException,
        output: str = "",
    ) -> None:
        super().__init__(message, output=output)
        self.task = task
        self.args_ = args
        self.kwargs = kwargs
        self.call_key = call_key
        self.filename = filename
        self.line = line
        self.source_line = source_line
        self.original = original


class BoundaryTypeError(SandboxError, TypeError):
    """A value crossing the boundary does not match its declared type.
    `path` names the value: `inputs.items[3]`, `add(x=...)`, `output["k"]`."""

    def __init__(self, message: str, *, path: str, expected: str, got: str, output: str = "") -> None:
        super().__init__(message, output=output)
        self.path = path
        self.expected = expected
        self.got = got


class LimitExceeded(SandboxError):
    """A resource limit was hit. `limit` is one of: "time", "memory",
    "recursion", "task_calls", "run_timeout", "task_timeout", "output", "nesting",
    "value_items", "value_bytes", "value_depth", "transfer_items",
    "transfer_bytes"; `value` is the limit's setting.

    For the boundary budget (`value_*`, `transfer_*`), `path` names the part of
    the value where the budget ran out (`output[0]['rows']`, `take.x[3]`) and
    `size` is the count reached when measuring stopped (a lower bound: the
    measurement stops at the budget)."""

    def __init__(
        self, message: str, *, limit: str, value: Any, output: str = "", path: str | None = None, size: int | None = None
    ) -> None:
        super().__init__(message, output=output)
        self.limit = limit
        self.value = value
        self.path = path
        self.size = size


class WorkerCrashedError(SandboxError):
    """The Monty worker process died (or the pool's watchdog killed it).
    The pool replaces the worker; the run is lost."""


class TaskDefinitionError(TypeError):
    """A task, orchestrator or template is declared wrongly (bad types, bad
    options). `code` is the checker code with the same meaning (SBX302/SBX303),
    None when no rule matches (an unknown option)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(f"{code} {message}" if code else message)
        self.code = code
