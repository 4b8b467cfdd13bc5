"""Run a program without the gate (tests only; not shipped), to prove the sandbox holds on its own.

Never use this to run untrusted code: the gate is the first line of defence.
The security tests use it to show that even a program the checker would
reject reaches no host file, network or environment variable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox_lint.interface import Interface

from runtime.driver import RunResult, execute
from runtime.options import RunOptions
from runtime.program import Program, dedent_source
from runtime.tasks import as_task


def run_ungated(source: str, inputs: dict[str, Any] | None = None, tasks: Iterable[Any] | None = None, **options: Any) -> RunResult:
    inputs = dict(inputs or {})
    parsed = RunOptions.parse(options, what="run_ungated", allow_tasks=False)
    task_map = {task.name: task for task in (as_task(t) for t in tasks or ())}
    program = Program(
        name="ungated", filename="<ungated>", text=dedent_source(source),
        interface=Interface(tasks=tuple(t.signature for t in task_map.values())),
        tasks=task_map, input_specs=dict.fromkeys(inputs), output_spec=None,
        limits=parsed.limits, executor=parsed.executor, type_check=parsed.type_check,
    )
    return execute(program, inputs)
