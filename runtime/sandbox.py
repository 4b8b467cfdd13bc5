"""Code strings: `orchestrator_from_str`, `orchestrate_local` (Flyte's `flyte.sandbox`),
and `env.sandbox` (`SandboxNamespace`), whose `orchestrator` takes a function or a code string.

    pipeline = sandbox.orchestrator_from_str(
        "add(x, y) * 2", inputs={"x": int, "y": int}, output=int, tasks=[add])
    pipeline(x=1, y=2)                                              # 6
    env.sandbox.orchestrator("add(x, y) * 2", inputs={"x": int, "y": int}, output=int, tasks=[add])
    await sandbox.orchestrate_local("add(x, y) * 2", inputs={"x": 1, "y": 2}, tasks=[add])

The value of the last expression is the result. Indented triple-quoted code is
dedented; line numbers in errors are lines of the string as written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sandbox_lint.interface import render_stub
from sandbox_lint.typespec import DisallowedType, TypeSpec

from .boundary import spec_from_annotation
from .driver import RunResult
from .errors import TaskDefinitionError
from .events import EventHook
from .interceptors import run_program
from sandbox_lint.caches import BoundedCache
from .offload import offload
from .options import RUN_SETTINGS, RunOptions, RunSettings, StoreLike
from .orchestrator import Orchestrator
from .program import Program, build_program, dedent_source
from .tasks import Task, TaskOptions, TaskSource, as_task

__all__ = [
    "CodeTaskTemplate", "DEFAULT_NAME", "Orchestrator", "SandboxNamespace", "orchestrate_local_detailed",
    "orchestrate_local", "orchestrate_local_sync", "orchestrator", "orchestrator_from_str",
]

_UNSET: Any = object()
DEFAULT_NAME = "sandboxed-code"  # Flyte's default template name


def _spec(annotation: Any, what: str) -> TypeSpec:
    try:
        return spec_from_annotation(annotation)
    except DisallowedType as exc:
        raise TaskDefinitionError(f"{what}: {exc}; use one of the boundary types", code="SBX302") from None


class CodeTaskTemplate:
    """A reusable sandboxed task made from a code string, checked once at creation."""

    def __init__(
        self, program: Program, *, inputs: dict[str, TypeSpec | None], output: TypeSpec | None,
        options: TaskOptions | None = None, image: Any = None,
    ) -> None:
        self.program = program
        self.name = program.name
        self.inputs = inputs
        self.output = output
        self.options = options or TaskOptions()
        self.image = image
        self.env: TaskSource | None = None
        """The environment it belongs to: `env.sandbox.orchestrator(CODE, ...)` or `TaskEnvironment.from_task`."""

    def bind_inputs(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Positional inputs in the order `inputs=` declared them, then keywords."""
        names = list(self.inputs)
        if len(args) > len(names):
            raise TypeError(f"{self.name} takes {len(names)} input(s) ({', '.join(names) or 'none'}), {len(args)} given by position")
        bound = dict(zip(names, args))
        twice = sorted(set(bound) & set(kwargs))
        if twice:
            raise TypeError(f"{self.name}: input `{twice[0]}` given by position and as a keyword")
        return {**bound, **kwargs}

    def execute(
        self, on_event: EventHook | None = None, run_id: str | None = None, store: StoreLike | None = None,
        **inputs: Any,
    ) -> RunResult:
        """Run with keyword inputs and return the full `RunResult`. With `store`
        (and a `run_id`), the run is journaled and the same `run_id` resumes it."""
        return run_program(self.program, inputs, RunSettings.parse(run_id, store, on_event))

    def __call__(self, **inputs: Any) -> Any:
        return self.execute(**inputs).value

    forward = __call__

    def as_task(self) -> Task:
        raise TaskDefinitionError(
            f"template `{self.name}` cannot be a task of another program: pass its tasks instead, "
            "or make it a decorated `@env.sandbox.orchestrator`, which can be"
        )

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
    name: str = DEFAULT_NAME,
    cache: Any = "disable",
    retries: int = 0,
    image: Any = None,
    **options: Any,
) -> CodeTaskTemplate:
    """A reusable template from a code string. `inputs` maps names to types
    (`None` or `object`-free: an untyped input accepts any boundary value);
    `output` is the result type (omit it for an unchecked result). The gate
    runs here: a bad program raises `RejectedError` now, not at run time.
    Options: limits (`timeout_ms`, `max_memory`, ...), `type_check`, `executor`;
    Flyte's `cache`/`retries` (only "disable"/0: a template is never a task
    call; cache and retry its tasks instead) and `image` (accepted, no effect locally)."""
    durable = TaskOptions.parse({"cache": cache, "retries": retries}, what="orchestrator_from_str", durable=False)
    parsed = RunOptions.parse(options, what="orchestrator_from_str", allow_tasks=False)
    task_map = {}
    for item in tasks or ():
        task = as_task(item)
        task_map[task.name] = task
    reserved = sorted(set(inputs or {}) & set(RUN_SETTINGS))
    if reserved:
        raise TaskDefinitionError(
            f"orchestrator_from_str: the input name `{reserved[0]}` is reserved for the run settings "
            f"({', '.join(RUN_SETTINGS)}); rename it", code="SBX302",
        )
    input_specs = {key: (None if value is None else _spec(value, f"input `{key}`")) for key, value in (inputs or {}).items()}
    output_spec = None if output is _UNSET else _spec(output, "output")
    program = build_program(
        name=name, filename=f"<{name}>", text=dedent_source(source), tasks=task_map,
        input_specs=input_specs, output_spec=output_spec, options=parsed,
    )
    return CodeTaskTemplate(program, inputs=input_specs, output=output_spec, options=durable, image=image)


_programs: BoundedCache[tuple[Any, ...], Program] = BoundedCache(256, 32 * 1024 * 1024, max_share=0.25)


def _local_program(source: str, inputs: dict[str, Any], tasks: Iterable[Any] | None, options: dict[str, Any]) -> Program:
    """Programs of one-shot runs are cached by (source, input names, tasks, options):
    the gate's verdict and the compiled call offsets are reused across calls."""
    task_list = [as_task(t) for t in tasks or ()]
    key = (source, tuple(sorted(inputs)), tuple(task_list), tuple(sorted((k, repr(v)) for k, v in options.items())))
    program = _programs.get(key)
    if program is not None:
        return program
    parsed = RunOptions.parse(options, what="orchestrate_local", allow_tasks=False)
    program = build_program(
        name="orchestrate_local",
        filename="<sandbox>", text=dedent_source(source), tasks={t.name: t for t in task_list},
        input_specs=dict.fromkeys(inputs), output_spec=None, options=parsed,
    )
    _programs.put(key, program, len(source) + program.footprint())
    return program


def orchestrate_local_sync(
    source: str, inputs: dict[str, Any] | None = None, tasks: Iterable[Any] | None = None,
    *, on_event: EventHook | None = None, run_id: str | None = None, store: StoreLike | None = None, **options: Any,
) -> Any:
    """Run a code string once and return its result (blocking)."""
    settings = RunSettings.parse(run_id, store, on_event)
    inputs = dict(inputs or {})
    return run_program(_local_program(source, inputs, tasks, options), inputs, settings).value


async def orchestrate_local(
    source: str, inputs: dict[str, Any] | None = None, tasks: Iterable[Any] | None = None,
    *, on_event: EventHook | None = None, run_id: str | None = None, store: StoreLike | None = None, **options: Any,
) -> Any:
    """Run a code string once and return its result, off the event loop."""
    settings = RunSettings.parse(run_id, store, on_event)
    inputs = dict(inputs or {})
    program = _local_program(source, inputs, tasks, options)
    result = await offload(run_program, program, inputs, settings)
    return result.value


def orchestrate_local_detailed(
    source: str, inputs: dict[str, Any] | None = None, tasks: Iterable[Any] | None = None,
    *, on_event: EventHook | None = None, run_id: str | None = None, store: StoreLike | None = None, **options: Any,
) -> RunResult:
    """Like `orchestrate_local_sync`, returning the full `RunResult`."""
    settings = RunSettings.parse(run_id, store, on_event)
    inputs = dict(inputs or {})
    return run_program(_local_program(source, inputs, tasks, options), inputs, settings)


class SandboxNamespace:
    """`env.sandbox`: the `orchestrator` decorator of one environment, and its code-string form."""

    def __init__(self, env: TaskSource | None) -> None:
        self.env = env

    def orchestrator(
        self,
        _func_or_source: Callable[..., Any] | str | None = None,
        /,
        *,
        name: str | None = None,
        inputs: dict[str, Any] | None = None,
        output: Any = _UNSET,
        cache: Any = None,
        retries: int = 0,
        **options: Any,
    ) -> Any:
        """`@env.sandbox.orchestrator`, `@env.sandbox.orchestrator(timeout_ms=..., ...)`, or
        `env.sandbox.orchestrator(CODE, inputs=..., output=..., tasks=..., name=...)`, which
        returns a `CodeTaskTemplate` like `orchestrator_from_str` (default name "sandboxed-code")."""
        source = _func_or_source
        if isinstance(source, str):
            template = orchestrator_from_str(
                source, inputs=inputs or {}, output=output, name=name or DEFAULT_NAME,
                cache="disable" if cache is None else cache,  # the environment's default is for its tasks
                retries=retries, image=getattr(self.env, "image", None),
                **options,
            )
            template.env = self.env
            return template
        if source is not None and not callable(source):
            raise TypeError(f"orchestrator() expects a callable, string, or keyword arguments, got {type(source)}")
        given = [option for option, value in (("inputs", inputs), ("output", output)) if value is not None and value is not _UNSET]
        if given:
            raise TaskDefinitionError(
                f"sandbox.orchestrator: `{given[0]}=` belongs to the code-string form "
                "(`env.sandbox.orchestrator(CODE, inputs=..., output=...)`); a decorated function "
                "declares its inputs and output with annotations"
            )
        durable = TaskOptions.parse(
            {"cache": "disable" if cache is None else cache, "retries": retries}, what="sandbox.orchestrator", durable=False,
        )
        parsed = RunOptions.parse(options, what="sandbox.orchestrator")  # bad options fail at decoration time
        if source is None:
            return lambda f: Orchestrator(f, self.env, name, parsed, durable)
        return Orchestrator(source, self.env, name, parsed, durable)


_module_namespace = SandboxNamespace(None)


def orchestrator(func: Callable[..., Any] | None = None, *, name: str | None = None, **options: Any) -> Any:
    """`@sandbox.orchestrator` without an environment (tasks come from the module)."""
    return _module_namespace.orchestrator(func, name=name, **options)

