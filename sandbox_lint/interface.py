"""What sandbox code may call and read: tasks with their signatures, and inputs.

An interface comes from one of three places: the runtime (the exact registered
tasks and declared inputs), a host file (its `@env.task` functions, imported
names, `inputs={...}` and `tasks=[...]`), or a stub file (`.pyi`) in script
mode. The stub format is the one `sandbox-lint stubs` prints:

    def add(x: int, y: int) -> int: ...
    async def fetch(url: str) -> File: ...
    items: list[int]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # libcst loads when a stub is parsed: the runtime's cold start never needs it
    import libcst as cst

ParamKind = Literal["positional", "keyword_only", "var_positional", "var_keyword"]


@dataclass(frozen=True)
class Param:
    """One parameter of a task. `annotation` is the annotation's source text."""

    name: str
    annotation: str | None = None
    kind: ParamKind = "positional"
    has_default: bool = False
    positional_only: bool = False


@dataclass(frozen=True)
class TaskSignature:
    """A task the sandbox may call. `params` is None when the arity is unknown
    (an imported name in a host file)."""

    name: str
    params: tuple[Param, ...] | None = None
    returns: str | None = None
    is_async: bool = False

    def __hash__(self) -> int:
        # Signatures key the checker's per-piece caches: hash once.
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.name, self.params, self.returns, self.is_async))
            object.__setattr__(self, "_hash", cached)
        return cached


@dataclass(frozen=True)
class InputDecl:
    """A declared input of an orchestrator: a name the sandbox can read."""

    name: str
    annotation: str | None = None


@dataclass(frozen=True)
class Interface:
    """Everything outside the sandbox code that it may name."""

    tasks: tuple[TaskSignature, ...] = ()
    inputs: tuple[InputDecl, ...] = ()
    output: str | None = None

    def __hash__(self) -> int:
        # Interfaces key the checker's caches on every check: hash once.
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.tasks, self.inputs, self.output))
            object.__setattr__(self, "_hash", cached)
        return cached

    def task(self, name: str) -> TaskSignature | None:
        for task in self.tasks:
            if task.name == name:
                return task
        return None

    @property
    def task_names(self) -> frozenset[str]:
        return frozenset(task.name for task in self.tasks)

    @property
    def input_names(self) -> frozenset[str]:
        return frozenset(decl.name for decl in self.inputs)

    @classmethod
    def build(
        cls,
        *,
        tasks: dict[str, TaskSignature] | list[TaskSignature] | tuple[TaskSignature, ...] = (),
        inputs: dict[str, str | None] | None = None,
        output: str | None = None,
    ) -> Interface:
        """Convenience constructor from plain containers."""
        task_values = tuple(tasks.values()) if isinstance(tasks, dict) else tuple(tasks)
        input_values = tuple(InputDecl(name, ann) for name, ann in (inputs or {}).items())
        return cls(tasks=task_values, inputs=input_values, output=output)


class StubError(ValueError):
    """A stub file that cannot be read as an interface."""


def signature_from_funcdef(node: cst.FunctionDef, module: cst.Module) -> TaskSignature:
    """The task signature declared by a `def` (a stub line or a host `@env.task`)."""
    import libcst as cst

    params: list[Param] = []

    def ann(annotation: cst.Annotation | None) -> str | None:
        return None if annotation is None else module.code_for_node(annotation.annotation)

    p = node.params
    for item in p.posonly_params:
        params.append(Param(item.name.value, ann(item.annotation), "positional", item.default is not None, True))
    for item in p.params:
        params.append(Param(item.name.value, ann(item.annotation), "positional", item.default is not None))
    if isinstance(p.star_arg, cst.Param):
        params.append(Param(p.star_arg.name.value, ann(p.star_arg.annotation), "var_positional"))
    for item in p.kwonly_params:
        params.append(Param(item.name.value, ann(item.annotation), "keyword_only", item.default is not None))
    if p.star_kwarg is not None:
        params.append(Param(p.star_kwarg.name.value, ann(p.star_kwarg.annotation), "var_keyword"))
    returns = None if node.returns is None else module.code_for_node(node.returns.annotation)
    return TaskSignature(node.name.value, tuple(params), returns, node.asynchronous is not None)


def parse_stub(text: str) -> Interface:
    """Read an interface stub. Raises StubError with a line number on bad input."""
    import libcst as cst

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise StubError(f"line {exc.raw_line}: {exc.message}") from None
    tasks: list[TaskSignature] = []
    inputs: list[InputDecl] = []
    output: str | None = None
    for index, stmt in enumerate(module.body, start=1):
        if isinstance(stmt, cst.FunctionDef):
            tasks.append(signature_from_funcdef(stmt, module))
            continue
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    annotation = module.code_for_node(small.annotation.annotation)
                    if small.target.value == "__output__":
                        output = annotation
                    else:
                        inputs.append(InputDecl(small.target.value, annotation))
                elif isinstance(small, (cst.Import, cst.ImportFrom, cst.Pass)):
                    continue  # `from runtime import File` is allowed for readability
                elif isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
                    continue  # docstring
                else:
                    raise StubError(
                        f"statement {index}: a stub holds only `def name(...) -> T: ...` "
                        f"task declarations and `name: T` input declarations"
                    )
            continue
        raise StubError(
            f"statement {index}: a stub holds only `def name(...) -> T: ...` task declarations and `name: T` input declarations"
        )
    return Interface(tuple(tasks), tuple(inputs), output)


def render_params(params: tuple[Param, ...]) -> str:
    """A parameter list as the user would write it: `(x: int, *, y: str = ...)`."""
    parts: list[str] = []
    has_posonly = any(p.positional_only for p in params)
    posonly_closed = not has_posonly
    star_written = False
    for param in params:
        if not posonly_closed and not param.positional_only:
            parts.append("/")
            posonly_closed = True
        text = param.name + (f": {param.annotation}" if param.annotation else "")
        if param.kind == "var_positional":
            text = "*" + text
            star_written = True
        elif param.kind == "var_keyword":
            text = "**" + text
        elif param.kind == "keyword_only" and not star_written:
            parts.append("*")
            star_written = True
        if param.has_default:
            text += " = ..."
        parts.append(text)
    if not posonly_closed:
        parts.append("/")
    return "(" + ", ".join(parts) + ")"


def render_stub(interface: Interface) -> str:
    """The stub text for an interface; `parse_stub(render_stub(i)) == i` for stub-expressible interfaces."""
    lines: list[str] = []
    for decl in interface.inputs:
        lines.append(f"{decl.name}: {decl.annotation or 'object'}")
    if interface.output is not None:
        lines.append(f"__output__: {interface.output}")
    for task in interface.tasks:
        prefix = "async def" if task.is_async else "def"
        params = "*args, **kwargs" if task.params is None else render_params(task.params)[1:-1]
        returns = f" -> {task.returns}" if task.returns else ""
        lines.append(f"{prefix} {task.name}({params}){returns}: ...")
    return "\n".join(lines) + ("\n" if lines else "")
