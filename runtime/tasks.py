"""Tasks: trusted host functions the sandbox may call.

`@env.task` wraps a sync or async function. Its signature is validated when
decorated (SBX303: every parameter and the return annotated with a boundary
type), and every call from the sandbox has its arguments and result checked
against it. Called directly on the host, a task is just the function.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Callable
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
    """What a task or orchestrator knows of its environment (`TaskEnvironment`)."""

    name: str
    tasks: dict[str, Task]


class Task:
    """A registered task. `task(*args)` on the host calls the function directly."""

    def __init__(self, func: Callable[..., Any], env: TaskSource | None = None) -> None:
        if not callable(func) or not hasattr(func, "__name__") or func.__name__ == "<lambda>":
            raise TaskDefinitionError("a task must be a named `def` or `async def` function", code="SBX303")
        if func.__name__.startswith("_"):
            raise TaskDefinitionError(
                f"task `{func.__name__}`: names starting with `_` are private and cannot be called from the sandbox",
                code="SBX303",
            )
        self.func = func
        self.env = env
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

    def __repr__(self) -> str:
        env = f" in {self.env.name!r}" if self.env is not None else ""
        return f"<task {self.name}{env}: {render_annotation(self.signature.returns)}>"

    def __reduce__(self) -> tuple[Any, ...]:
        # Tasks travel to process-pool and Dask workers by reference.
        return (_load_by_reference, (self.__module__, self.__qualname__))

    def stub(self) -> str:
        return render_stub(Interface(tasks=(self.signature,))).strip()


def as_task(obj: Any) -> Task:
    """Accept a `Task` or a plain annotated function (wrapped on the fly)."""
    if isinstance(obj, Task):
        return obj
    if callable(obj):
        return Task(obj)
    raise TaskDefinitionError(f"`{obj!r}` is not a task: pass functions decorated with `@env.task`", code="SBX303")
