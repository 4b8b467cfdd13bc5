"""TEST-ONLY: run a program without the gate, to prove the sandbox holds on its own.

Never use this to run untrusted code: the gate is the first line of defence.
The security tests use it to show that even a program the checker would
reject reaches no host file, network or environment variable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox_lint.interface import Interface

from .driver import RunResult, execute
from .orchestrator import split_options
from .program import Program, dedent_source
from .tasks import as_task


def run_ungated(source: str, inputs: dict[str, Any] | None = None, tasks: Iterable[Any] | None = None, **options: Any) -> RunResult:
    inputs = dict(inputs or {})
    limits, type_check, executor, _ = split_options(options)
    task_map = {task.name: task for task in (as_task(t) for t in tasks or ())}
    program = Program(
        name="ungated", filename="<ungated>", text=dedent_source(source),
        interface=Interface(tasks=tuple(t.signature for t in task_map.values())),
        tasks=task_map, input_specs=dict.fromkeys(inputs), output_spec=None,
        limits=limits, executor=executor, type_check=type_check,
    )
    return execute(program, inputs)
