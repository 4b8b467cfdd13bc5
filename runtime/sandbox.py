"""Code strings: `orchestrator_from_str`, `orchestrate_local` (Flyte's `flyte.sandbox`).

    pipeline = sandbox.orchestrator_from_str(
        "add(x, y) * 2", inputs={"x": int, "y": int}, output=int, tasks=[add])
    pipeline(x=1, y=2)                                              # 6
    await sandbox.orchestrate_local("add(x, y) * 2", inputs={"x": 1, "y": 2}, tasks=[add])

The value of the last expression is the result. Indented triple-quoted code is
dedented; line numbers in errors are lines of the string as written.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from sandbox_lint.interface import render_stub
from sandbox_lint.typespec import DisallowedType, TypeSpec

from .boundary import spec_from_annotation
from .driver import RunResult, execute
from .errors import TaskDefinitionError
from .events import EventHook
from .offload import offload
from .options import RunOptions
from .orchestrator import Orchestrator, SandboxNamespace
from .program import Program, build_program, dedent_source
from .tasks import as_task

__all__ = ["CodeTaskTemplate", "Orchestrator", "orchestrate_local_detailed", "orchestrate_local", "orchestrate_local_sync", "orchestrator", "orchestrator_from_str"]

_UNSET: Any = object()


def _spec(annotation: Any, what: str) -> TypeSpec:
    try:
        return spec_from_annotation(annotation)
    except DisallowedType as exc:
        raise TaskDefinitionError(f"{what}: {exc}; use one of the boundary types", code="SBX302") from None


class CodeTaskTemplate:
    """A reusable sandboxed task made from a code string, checked once at creation."""

    def __init__(self, program: Program, *, inputs: dict[str, TypeSpec | None], output: TypeSpec | None) -> None:
        self.program = program
        self.name = program.name
        self.inputs = inputs
        self.output = output

    def execute(self, on_event: EventHook | None = None, **inputs: Any) -> RunResult:
        """Run with keyword inputs and return the full `RunResult`."""
        return execute(self.program, inputs, on_event=on_event)

    def __call__(self, **inputs: Any) -> Any:
        return self.execute(**inputs).value

    forward = __call__

    async def aio(self, **inputs: Any) -> Any:
        """Run without blocking the event loop."""
        result = await offload(self.execute, **inputs)
        return result.value

    def stub(self) -> str:
        """The interface stub (`sandbox-lint stubs` format) of this template."""
        return render_stub(self.program.interface)

    def __repr__(self) -> str:
        return f"<CodeTaskTemplate {self.name} inputs={sorted(self.inputs)}>"


def orchestrator_from_str(
    source: str,
    *,
    inputs: dict[str, Any] | None = None,
    output: Any = _UNSET,
    tasks: Iterable[Any] | None = None,
    name: str = "sandbox-code",
    **options: Any,
) -> CodeTaskTemplate:
    """A reusable template from a code string. `inputs` maps names to types
    (`None` or `object`-free: an untyped input accepts any boundary value);
    `output` is the result type (omit it for an unchecked result). The gate
    runs here: a bad program raises `RejectedError` now, not at run time.
    Options: limits (`timeout_ms`, `max_memory`, ...), `type_check`, `executor`."""
    parsed = RunOptions.parse(options, what="orchestrator_from_str", allow_tasks=False)
    task_map = {}
    for item in tasks or ():
        task = as_task(item)
        task_map[task.name] = task
    input_specs = {key: (None if value is None else _spec(value, f"input `{key}`")) for key, value in (inputs or {}).items()}
    output_spec = None if output is _UNSET else _spec(output, "output")
    program = build_program(
        name=name, filename=f"<{name}>", text=dedent_source(source), tasks=task_map,
        input_specs=input_specs, output_spec=output_spec, options=parsed,
    )
    return CodeTaskTemplate(program, inputs=input_specs, output=output_spec)


_programs: OrderedDict[tuple[Any, ...], Program] = OrderedDict()
_programs_lock = threading.Lock()


def _local_program(source: str, inputs: dict[str, Any], tasks: Iterable[Any] | None, options: dict[str, Any]) -> Program:
    """Programs of one-shot runs are cached by (source, input names, tasks, options):
    the gate's verdict and the compiled call offsets are reused across calls."""
    task_list = [as_task(t) for t in tasks or ()]
    key = (source, tuple(sorted(inputs)), tuple(task_list), tuple(sorted((k, repr(v)) for k, v in options.items())))
    with _programs_lock:
        program = _programs.get(key)
        if program is not None:
            _programs.move_to_end(key)
            return program
    parsed = RunOptions.parse(options, what="orchestrate_local", allow_tasks=False)
    program = build_program(
        name="orchestrate_local",
        filename="<sandbox>", text=dedent_source(source), tasks={t.name: t for t in task_list},
        input_specs=dict.fromkeys(inputs), output_spec=None, options=parsed,
    )
    with _programs_lock:
        _programs[key] = program
        if len(_programs) > 256:
            _programs.popitem(last=False)
    return program


def orchestrate_local_sync(
    source: str, inputs: dict[str, Any] | None = None, tasks: Iterable[Any] | None = None,
    *, on_event: EventHook | None = None, **options: Any,
) -> Any:
    """Run a code string once and return its result (blocking)."""
    inputs = dict(inputs or {})
    return execute(_local_program(source, inputs, tasks, options), inputs, on_event=on_event).value


async def orchestrate_local(
    source: str, inputs: dict[str, Any] | None = None, tasks: Iterable[Any] | None = None,
    *, on_event: EventHook | None = None, **options: Any,
) -> Any:
    """Run a code string once and return its result, off the event loop."""
    inputs = dict(inputs or {})
    program = _local_program(source, inputs, tasks, options)
    result = await offload(execute, program, inputs, on_event=on_event)
    return result.value


def orchestrate_local_detailed(
    source: str, inputs: dict[str, Any] | None = None, tasks: Iterable[Any] | None = None,
    *, on_event: EventHook | None = None, **options: Any,
) -> RunResult:
    """Like `orchestrate_local_sync`, returning the full `RunResult`."""
    inputs = dict(inputs or {})
    return execute(_local_program(source, inputs, tasks, options), inputs, on_event=on_event)


_module_namespace = SandboxNamespace(None)


def orchestrator(func: Callable[..., Any] | None = None, *, name: str | None = None, **options: Any) -> Any:
    """`@sandbox.orchestrator` without an environment (tasks come from the module)."""
    return _module_namespace.orchestrator(func, name=name, **options)

