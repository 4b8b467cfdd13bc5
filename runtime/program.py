"""A checked, ready-to-run sandbox program: the text fed to Monty plus its interface.

Built once per template (or per decorated orchestrator, on first call) and
reused for every run:

* the gate has passed on exactly the text that will be fed;
* the text is padded so Monty's line numbers are the user's own (the host
  file's lines for a decorated orchestrator);
* the byte offsets of every call made in async context are precomputed, so
  the driver knows without asking whether a task call must answer with a
  future (awaited / gathered) or a value.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from sandbox_lint.interface import InputDecl, Interface, render_stub
from sandbox_lint.lines import LineIndex, normalize_newlines
from sandbox_lint.typespec import TypeSpec

from .boundary import ANY_IN, ANY_OUT, Validator, compile_validator, task_marker_name
from .gate import run_gate
from .limits import Limits
from .options import RunOptions
from .tasks import Task

MAP_TASK = "map_task"
FLYTE_MAP = "flyte_map"
GATHER_PRELUDE = "import asyncio\ngather = asyncio.gather\n"


def map_task(task: Any, *iterables: Any, concurrency: int | None = None, return_exceptions: bool = False) -> list[Any]:
    """Placeholder bound to the sandbox name `map_task`; the driver answers its calls."""
    raise RuntimeError("map_task runs only inside the sandbox")


def flyte_map(
    task_name: Any, *iterables: Any, concurrency: int | None = None, return_exceptions: bool = True,
    group_name: str | None = None,
) -> list[Any]:
    """Placeholder bound to the sandbox name `flyte_map`; the driver answers its calls."""
    raise RuntimeError("flyte_map runs only inside the sandbox")


def _stand_in(name: str, *, builtin: bool = False) -> Any:
    """What the sandbox name `name` resolves to: a host function never called
    (the driver answers every call), named so that Monty's text for it, when
    the function itself is passed as a value, is recognised (`boundary.task_marker_name`)."""

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{name} runs only inside the sandbox")

    stand_in.__name__ = stand_in.__qualname__ = task_marker_name(name, builtin=builtin)
    return stand_in


def dedent_source(source: str) -> str:
    """Code strings are often indented triple-quoted literals; keep line numbers.
    Line breaks become `\\n` (Monty counts no other), lines stay the same."""
    return textwrap.dedent(normalize_newlines(source))


def _async_call_offsets(text: str) -> frozenset[int]:
    """UTF-8 byte offsets of calls whose result must be a future: calls directly
    inside an `async def`, and module-level calls when the module awaits at top level."""
    try:
        tree = compile(text, "<sandbox>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError:
        return frozenset()
    line_starts = LineIndex(text).byte_starts

    module_async = False
    for node in _walk_scope(tree):
        if isinstance(node, ast.Await):
            module_async = True
            break

    offsets: set[int] = set()

    def visit(scope: ast.AST, is_async: bool) -> None:
        for node in _walk_scope(scope):
            if isinstance(node, ast.Call) and is_async:
                offsets.add(line_starts[node.lineno - 1] + node.col_offset)
            if isinstance(node, ast.AsyncFunctionDef):
                visit(node, True)
            elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
                visit(node, False)

    visit(tree, module_async)
    return frozenset(offsets)


def _call_sources(text: str) -> dict[int, str]:
    """The source of every call, by the UTF-8 byte offset where it starts (the
    outermost call when several start at the same place: `f(x)(y)`)."""
    try:
        tree = compile(text, "<sandbox>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError:
        return {}
    line_starts = LineIndex(text).byte_starts
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            offset = line_starts[node.lineno - 1] + node.col_offset
            segment = ast.get_source_segment(text, node)
            if segment is not None and offset not in found:
                found[offset] = segment
    return found


def _walk_scope(scope: ast.AST) -> list[ast.AST]:
    """Nodes of one scope: descend into everything except nested function bodies
    (the nested definition node itself is included)."""
    found: list[ast.AST] = []
    stack: list[ast.AST]
    if isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
        stack = list(scope.body)
    elif isinstance(scope, ast.Lambda):
        stack = [scope.body]
    else:
        stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # decorators and defaults belong to the enclosing scope
            if not isinstance(node, ast.Lambda):
                stack.extend(node.decorator_list)
            stack.extend(d for d in node.args.defaults if d is not None)
            stack.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


@dataclass
class Program:
    """A program that passed the gate, ready to be fed to Monty."""

    name: str
    filename: str
    text: str
    interface: Interface
    tasks: dict[str, Task]
    input_specs: dict[str, TypeSpec | None]
    output_spec: TypeSpec | None
    limits: Limits
    executor: Executor | None = None
    type_check: bool = False
    async_offsets: frozenset[int] = frozenset()
    needs_gather: bool = False
    is_async: bool = False
    input_validators: dict[str, Validator] = field(default_factory=dict)
    output_validator: Validator = ANY_OUT
    external_lookup: dict[str, Any] = field(default_factory=dict)
    lines: LineIndex = field(default_factory=lambda: LineIndex(""))
    type_checked: bool = False
    _call_sources: dict[int, str] | None = field(default=None, repr=False)
    call_names: dict[str, str] = field(default_factory=dict)
    """The name each sandbox function reaches the host as, for a call made
    through another name (`f = add; f(1, 2)` arrives as `add`'s stand-in name)."""

    def __post_init__(self) -> None:
        self.input_validators = {
            name: (ANY_IN if spec is None else compile_validator(spec, "in")) for name, spec in self.input_specs.items()
        }
        self.output_validator = ANY_OUT if self.output_spec is None else compile_validator(self.output_spec, "out")
        self.external_lookup = {name: _stand_in(name) for name in self.tasks}
        self.external_lookup[MAP_TASK] = _stand_in(MAP_TASK, builtin=True)
        self.external_lookup[FLYTE_MAP] = _stand_in(FLYTE_MAP, builtin=True)
        self.call_names = {function.__name__: name for name, function in self.external_lookup.items()}
        self.lines = LineIndex(self.text)
        self.async_offsets = _async_call_offsets(self.text)
        self.is_async = bool(self.async_offsets)
        self.needs_gather = "gather" in self.text

    def call_source(self, offset: int | None) -> str | None:
        """The source text of the call that starts at UTF-8 byte `offset` (for
        error messages; the text is parsed again only when one is needed)."""
        if offset is None:
            return None
        if self._call_sources is None:
            self._call_sources = _call_sources(self.text)
        return self._call_sources.get(offset)

    def footprint(self) -> int:
        """About how many bytes this program holds (its text, line table, call offsets), for caches."""
        return 2 * len(self.text) + 48 * self.lines.line_count + 64 * len(self.async_offsets) + 4096

    def task_named(self, value: Any) -> Task | None:
        """The task a sandbox value names: its name (`map_task("add", ...)`) or
        the task itself (`map_task(add, ...)`, which crosses as its stand-in's name)."""
        if type(value) is not str:
            return None
        return self.tasks.get(self.call_names.get(value, value))

    def line_at(self, offset: int) -> int:
        """The 1-based line holding UTF-8 byte `offset` of the text."""
        return self.lines.line_of_byte(offset)

    def source_line(self, line: int | None) -> str | None:
        if line is None or not 1 <= line <= self.lines.line_count:
            return None
        return self.lines.line(line).strip()

    def type_stub(self) -> str:
        """The interface stub for Monty's type checker (ty): `render_stub`'s
        output, plus the handle classes and the runtime builtins. In async
        programs every task call is awaitable, so tasks are declared async."""
        interface = self.interface
        if self.is_async:
            interface = Interface(
                tasks=tuple(
                    type(t)(t.name, t.params, t.returns, True) for t in interface.tasks  # TaskSignature, async
                ),
                inputs=interface.inputs,
                output=None,
            )
        else:
            interface = Interface(tasks=interface.tasks, inputs=interface.inputs, output=None)
        map_prefix = "async def" if self.is_async else "def"
        header = (
            "from typing import Any\n"
            "class File: ...\n"
            "class Dir: ...\n"
            "class DataFrame: ...\n"
            "def gather(*aws: Any) -> Any: ...\n"
            f"{map_prefix} map_task(task: Any, *iterables: Any, concurrency: int | None = None, "
            "return_exceptions: bool = False) -> list[Any]: ...\n"
            f"{map_prefix} flyte_map(task_name: Any, *iterables: Any, concurrency: int | None = None, "
            "return_exceptions: bool = True, group_name: str | None = None) -> list[Any]: ...\n"
        )
        return header + render_stub(interface)


def build_program(
    *,
    name: str,
    filename: str,
    text: str,
    tasks: Mapping[str, Task],
    input_specs: Mapping[str, TypeSpec | None],
    output_spec: TypeSpec | None,
    options: RunOptions,
) -> Program:
    """Run the gate on `text` with the exact interface and build the program."""
    text = normalize_newlines(text)
    interface = Interface(
        tasks=tuple(task.signature for task in tasks.values()),
        inputs=tuple(InputDecl(n, None if s is None else s.render()) for n, s in input_specs.items()),
        output=None if output_spec is None else output_spec.render(),
    )
    run_gate(text, interface, filename=filename)
    return Program(
        name=name,
        filename=filename,
        text=text,
        interface=interface,
        tasks=dict(tasks),
        input_specs=dict(input_specs),
        output_spec=output_spec,
        limits=options.limits,
        executor=options.executor,
        type_check=options.type_check,
    )
