"""Tasks: trusted host functions the sandbox may call.

`@env.task` wraps a sync or async function. Its signature is validated when
decorated (SBX303: every parameter and the return annotated with a boundary
type), and every call from the sandbox has its arguments and result checked
against it. Called directly on the host, a task is just the function.

`@env.task(...)` options are one frozen value, `TaskOptions`, parsed by one
table: Flyte's deployment options are accepted and kept (they cannot matter
to a local run), anything else is a `TaskDefinitionError` naming it.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any, Protocol

from sandbox_lint.interface import Interface, Param, TaskSignature, render_stub
from sandbox_lint.typespec import DisallowedType, TypeSpec

from .boundary import Validator, compile_validator, render_annotation, spec_from_annotation
from .errors import TaskDefinitionError


def _resolve_hints(func: Callable[..., Any]) -> dict[str, Any]:
    """Annotations as live objects where they resolve, as text where they do not
    (a string annotation naming an unknown class is still rejected by the parser)."""
    try:
        return typing.get_type_hints(func)
    except Exception:
        return dict(getattr(func, "__annotations__", {}))


def _kind(param: inspect.Parameter) -> str:
    kinds: dict[Any, str] = {
        inspect.Parameter.VAR_POSITIONAL: "var_positional",
        inspect.Parameter.VAR_KEYWORD: "var_keyword",
        inspect.Parameter.KEYWORD_ONLY: "keyword_only",
    }
    return kinds.get(param.kind, "positional")


def parse_signature(
    func: Callable[..., Any], *, what: str, code: str
) -> tuple[inspect.Signature, dict[str, TypeSpec], TypeSpec, TaskSignature]:
    """Parameter and return specs of `func`; raises `TaskDefinitionError(code)`."""
    signature = inspect.signature(func)
    hints = _resolve_hints(func)
    name = func.__name__
    specs: dict[str, TypeSpec] = {}
    params: list[Param] = []
    for param in signature.parameters.values():
        if param.name not in hints:
            raise TaskDefinitionError(f"{what} `{name}`: parameter `{param.name}` has no type annotation", code=code)
        try:
            spec = spec_from_annotation(hints[param.name])
        except DisallowedType as exc:
            raise TaskDefinitionError(
                f"{what} `{name}`: parameter `{param.name}`: {exc}; use one of the boundary types", code=code
            ) from None
        specs[param.name] = spec
        params.append(
            Param(
                param.name,
                spec.render(),
                _kind(param),  # type: ignore[arg-type]
                param.default is not inspect.Parameter.empty,
                param.kind is inspect.Parameter.POSITIONAL_ONLY,
            )
        )
    if "return" not in hints:
        raise TaskDefinitionError(f"{what} `{name}`: the return type is not annotated (use `-> None` for none)", code=code)
    try:
        returns = spec_from_annotation(hints["return"])
    except DisallowedType as exc:
        raise TaskDefinitionError(f"{what} `{name}`: return type: {exc}; use one of the boundary types", code=code) from None
    task_signature = TaskSignature(name, tuple(params), returns.render(), inspect.iscoroutinefunction(func))
    return signature, specs, returns, task_signature


def _load_by_reference(module: str, qualname: str) -> Any:
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


class TaskSource(Protocol):
    """What a task or orchestrator knows of its environment (`TaskEnvironment`).

    `tasks` holds its `Task`s by sandbox name, and whatever `from_task`
    grouped into it (templates, orchestrators) by their names."""

    name: str
    tasks: dict[str, Any]


def unknown_option(what: str, name: str, known: list[str], *, note: str = "") -> TaskDefinitionError:
    """The error for an option nobody declared, with the closest known names."""
    close = [] if note else difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return TaskDefinitionError(f"{what}: unknown option `{name}`{hint}{note}; known: {', '.join(sorted(known))}")


# Options of `TaskEnvironment(...)` a Flyte user may put on a task by mistake.
ENVIRONMENT_OPTIONS = frozenset({
    "depends_on", "description", "env_vars", "image", "include", "plugin_config", "resources", "reusable", "secrets",
})

# What the deployment options mean in Flyte, for the docs and the errors:
# each is accepted and stored, and has no effect on a local run.
TASK_OPTION_NOTES: dict[str, str] = {
    "short_name": "the display name in Flyte's UI (the sandbox calls the task by its function name)",
    "timeout": "Flyte's per-task timeout on a cluster (locally, use the orchestrator's `task_timeout_s`)",
    "docs": "documentation shown in Flyte's UI",
    "pod_template": "the Kubernetes pod the task runs in",
    "report": "whether the task writes a Flyte report",
    "interruptible": "whether the task may run on spot instances",
    "max_inline_io_bytes": "the size of inputs and outputs Flyte keeps inline",
    "queue": "the cluster queue the task runs in",
    "service_account": "the Kubernetes service account of the task",
    "triggers": "schedules and events that start the task",
    "links": "links shown next to the task in Flyte's UI",
    "task_resolver": "how a Flyte worker finds the task's code",
    "entrypoint": "whether the task is a deployment's entry point",
    "produces_artifacts": "whether the task registers Flyte artifacts",
}


@dataclass(frozen=True)
class TaskOptions:
    """The options of `@env.task(...)`, as one frozen value (`TaskOptions.parse`).

    `cache`, `cache_version` (the task cache, `runtime/cache.py`) and
    `retries`, `retry_delay_s`, `retry_backoff` (`runtime/retry.py`) are
    acted on (docs/durability.md); the others are Flyte's deployment options
    (`TASK_OPTION_NOTES`).
    """

    short_name: str | None = None
    cache: Any = "disable"
    cache_version: str | None = None
    retries: int = 0
    retry_delay_s: float | None = None
    retry_backoff: float | None = None
    timeout: float | None = None
    docs: Any = None
    pod_template: Any = None
    report: bool = False
    interruptible: bool | None = None
    max_inline_io_bytes: int | None = None
    queue: str | None = None
    service_account: str | None = None
    triggers: Any = ()
    links: Any = ()
    task_resolver: Any = None
    entrypoint: bool = False
    produces_artifacts: bool = False

    @classmethod
    def parse(
        cls, options: Mapping[str, Any], *, what: str, cache: Any = "disable", durable: bool = True,
    ) -> TaskOptions:
        """Keyword options → `TaskOptions`; `cache` is the environment's default.
        Unknown names and bad values are `TaskDefinitionError`s naming the option.
        `durable=False` (an orchestrator or template: its run is not a task call)
        refuses caching and retries, which would otherwise be silently ignored."""
        known = [item.name for item in fields(cls)]
        values = dict(options)
        for name in values:
            if name in ENVIRONMENT_OPTIONS:
                raise TaskDefinitionError(
                    f"{what}: `{name}` is an option of the environment, not of a task: "
                    f"write `TaskEnvironment(..., {name}=...)`"
                )
            if name not in known:
                raise unknown_option(what, name, known)
        values.setdefault("cache", cache)
        check_cache(values["cache"], what=what)
        for name in ("short_name", "queue", "service_account", "cache_version"):
            if values.get(name) is not None and not isinstance(values[name], str):
                raise TaskDefinitionError(f"{what}: `{name}` must be a string, got {values[name]!r}")
        for name in ("report", "entrypoint", "produces_artifacts"):
            if name in values and not isinstance(values[name], bool):
                raise TaskDefinitionError(f"{what}: `{name}` must be True or False, got {values[name]!r}")
        if values.get("interruptible") is not None and not isinstance(values["interruptible"], bool):
            raise TaskDefinitionError(f"{what}: `interruptible` must be True, False or None, got {values['interruptible']!r}")
        retries = values.get("retries", 0)
        if retries is None:
            values["retries"] = retries = 0
        if type(retries) is not int or retries < 0:
            raise TaskDefinitionError(f"{what}: `retries` must be a count of retries (an int >= 0), got {retries!r}")
        for name, least in (("retry_delay_s", 0.0), ("retry_backoff", 1.0)):
            value = values.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= least):
                raise TaskDefinitionError(f"{what}: `{name}` must be a number >= {least:g} (seconds)" if name == "retry_delay_s"
                                          else f"{what}: `{name}` must be a number >= 1 (the factor between delays), got {value!r}")
            if value is not None and retries == 0:
                raise TaskDefinitionError(f"{what}: `{name}` has no effect without `retries=N` (N >= 1)")
        if values.get("cache_version") is not None and values["cache"] in (None, False, "disable"):
            raise TaskDefinitionError(f"{what}: `cache_version` has no effect without `cache=True` (or \"auto\", \"override\")")
        values["timeout"] = _seconds(values.get("timeout"), what=what)
        inline = values.get("max_inline_io_bytes")
        if inline is not None and (type(inline) is not int or inline < 0):
            raise TaskDefinitionError(f"{what}: `max_inline_io_bytes` must be an int >= 0, got {inline!r}")
        parsed = cls(**values)
        requested = parsed.durability_requested()
        if requested and not durable:
            # Caching and retries act on task calls; a sandboxed run is not one,
            # so they would be silently ignored: refuse them.
            listed = ", ".join(f"`{name}`" for name in requested)
            raise TaskDefinitionError(
                f"{what}: {listed} not supported here: caching and retries apply to task calls, and a sandboxed "
                "run is not one; set them on its tasks (`@env.task(cache=True, retries=2)`)"
            )
        return parsed

    def durability_requested(self) -> list[str]:
        """The durability options that ask for something (caching, retries)."""
        requested = []
        if self.cache is not None and self.cache is not False and self.cache != "disable":
            requested.append("cache")
        if self.cache_version is not None:
            requested.append("cache_version")
        if self.retries != 0:
            requested.append("retries")
        if self.retry_delay_s is not None:
            requested.append("retry_delay_s")
        if self.retry_backoff is not None:
            requested.append("retry_backoff")
        return requested


def check_cache(value: Any, *, what: str) -> None:
    """Flyte's `cache=`: a bool, None, "auto", "override" or "disable" (no `Cache` object: not provided)."""
    if isinstance(value, str) and value not in ("auto", "override", "disable"):
        raise TaskDefinitionError(f'{what}: `cache` must be True, False, "auto", "override" or "disable", got {value!r}')
    if not (isinstance(value, (bool, str)) or value is None):
        raise TaskDefinitionError(f'{what}: `cache` must be True, False, "auto", "override" or "disable", got {value!r}')


def _seconds(value: Any, *, what: str) -> float | None:
    """Flyte's `timeout=`: seconds (int or float), a `timedelta`, or 0/None for none."""
    if value is None or (type(value) is int and value == 0):
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    raise TaskDefinitionError(f"{what}: `timeout` must be a number of seconds or a timedelta, got {value!r}")


class Task:
    """A registered task. `task(*args)` and `task.forward(*args)` on the host
    call the function directly (an `async def` task returns its coroutine)."""

    def __init__(self, func: Callable[..., Any], env: TaskSource | None = None, options: TaskOptions | None = None) -> None:
        if not callable(func) or not hasattr(func, "__name__") or func.__name__ == "<lambda>":
            raise TaskDefinitionError("a task must be a named `def` or `async def` function", code="SBX303")
        if func.__name__.startswith("_"):
            raise TaskDefinitionError(
                f"task `{func.__name__}`: names starting with `_` are private and cannot be called from the sandbox",
                code="SBX303",
            )
        self.func = func
        self.env = env
        self.options = options or TaskOptions()
        self.name: str = func.__name__
        self.is_async = inspect.iscoroutinefunction(func)
        self.py_signature, self.param_specs, self.return_spec, self.signature = parse_signature(
            func, what="task", code="SBX303"
        )
        self.arg_validators: dict[str, Validator] = {
            name: compile_validator(spec, "out") for name, spec in self.param_specs.items()
        }
        self.result_validator: Validator = compile_validator(self.return_spec, "in")
        parameters = list(self.py_signature.parameters.values())
        simple = all(
            p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)
            and p.default is inspect.Parameter.empty
            for p in parameters
        )
        # Hot path: the common all-positional call needs no `bind`.
        self.positional: tuple[tuple[str, Validator], ...] | None = (
            tuple((p.name, self.arg_validators[p.name]) for p in parameters) if simple else None
        )
        self.__name__ = self.name
        self.__qualname__ = getattr(func, "__qualname__", self.name)
        self.__module__ = getattr(func, "__module__", __name__)
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function itself (Flyte's `forward`)."""
        return self.func(*args, **kwargs)

    async def aio(self, *args: Any, **kwargs: Any) -> Any:
        """Await the task on the host, sync or async (Flyte's `task.aio(...)` outside a run)."""
        result = self.func(*args, **kwargs)
        return await result if self.is_async else result

    @property
    def short_name(self) -> str:
        """Flyte's display name: `short_name=` or the function's name."""
        return self.options.short_name or self.name

    def __repr__(self) -> str:
        env = f" in {self.env.name!r}" if self.env is not None else ""
        return f"<task {self.name}{env}: {render_annotation(self.signature.returns)}>"

    def __reduce__(self) -> tuple[Any, ...]:
        # Tasks travel to process-pool and Dask workers by reference.
        return (_load_by_reference, (self.__module__, self.__qualname__))

    def stub(self) -> str:
        return render_stub(Interface(tasks=(self.signature,))).strip()


def as_task(obj: Any) -> Task:
    """Accept a `Task`, anything that can act as one (a sandboxed orchestrator:
    its `as_task()`), or a plain annotated function (wrapped on the fly)."""
    if isinstance(obj, Task):
        return obj
    convert = getattr(obj, "as_task", None)
    if callable(convert) and not isinstance(obj, type):
        task = convert()
        if isinstance(task, Task):
            return task
    if callable(obj):
        return Task(obj)
    raise TaskDefinitionError(
        f"`{obj!r}` is not a task: pass functions decorated with `@env.task` (or sandboxed orchestrators)",
        code="SBX303",
    )
