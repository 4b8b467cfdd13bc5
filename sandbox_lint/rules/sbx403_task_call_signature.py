from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from ..builtins import MAP_FUNCTIONS, PROVIDED
from ..interface import Interface, Param, TaskSignature, render_params
from .base import Context, Invalid, Replacement, Rule, Valid
from .shared import LISTED, called_task, listing, provided_call, suggester, task_named, task_names
from .suggestions import elide

# Close names for a word among candidates (the unit's bounded "did you mean").
Closest = Callable[[str, object, Callable[[], list[str]]], list[str]]


STUB = (
    "def add(x: int, y: int) -> int: ...\n"
    "def scale(v: float, /, factor: float = 1.0, *, clamp: bool = False) -> float: ...\n"
    "items: list[int]"
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _plain_arity(task: TaskSignature) -> int | None:
    """The number of arguments when the task takes only required positional
    parameters (the common case), else None."""
    assert task.params is not None
    if all(p.kind == "positional" and not p.has_default for p in task.params):
        return len(task.params)
    return None


@dataclass(frozen=True)
class _Shape:
    """What checking a call needs of a task's signature, worked out once per task."""

    positional: tuple[Param, ...]
    var_positional: bool
    var_keyword: bool
    by_name: dict[str, Param]
    positional_only: frozenset[str]
    required: tuple[str, ...]
    required_set: frozenset[str]
    signature: str


_shapes: dict[int, tuple[TaskSignature, _Shape]] = {}
_SIGNATURE_PARAMS = 12  # parameters a message spells out before counting them


def _shape(task: TaskSignature) -> _Shape:
    cached = _shapes.get(id(task))
    if cached is not None and cached[0] is task:
        return cached[1]
    assert task.params is not None
    params = task.params
    positional = tuple(p for p in params if p.kind == "positional")
    keyword_only = tuple(p for p in params if p.kind == "keyword_only")
    required = tuple(p.name for p in positional + keyword_only if not p.has_default)
    if len(params) <= _SIGNATURE_PARAMS:
        signature = render_params(params)
    else:
        signature = f"{len(params)} parameters ({listing([p.name for p in params])})"
    shape = _Shape(
        positional,
        any(p.kind == "var_positional" for p in params),
        any(p.kind == "var_keyword" for p in params),
        {p.name: p for p in positional + keyword_only if not p.positional_only},
        frozenset(p.name for p in positional if p.positional_only),
        required,
        frozenset(required),
        signature,
    )
    if len(_shapes) >= 256:
        _shapes.clear()
    _shapes[id(task)] = (task, shape)
    return shape


def signature_of(task: TaskSignature) -> str:
    """The task's parameters for a message (counted, past a dozen)."""
    return _shape(task).signature


def call_problems(task: TaskSignature, call: cst.Call, closest: Closest) -> list[str]:
    """What is wrong with the arguments of `call` for `task` (empty when it binds).

    The work is proportional to the call's arguments, not the task's
    parameters: the signature's shape is computed once per task."""
    assert task.params is not None
    plain = _plain_arity(task)
    if plain is not None and len(call.args) == plain and all(arg.keyword is None for arg in call.args):
        return []  # all positional, the right number: binds
    shape = _shape(task)
    positional = shape.positional
    by_name = shape.by_name

    problems: list[str] = []
    given = [arg for arg in call.args if arg.keyword is None]
    filled: set[str] = set()
    if len(given) > len(positional) and not shape.var_positional:
        verb = "was" if len(given) == 1 else "were"
        problems.append(f"takes {_plural(len(positional), 'positional argument')} but {len(given)} {verb} given")
    for param in positional[: len(given)]:
        filled.add(param.name)
    seen_keywords: set[str] = set()
    for arg in call.args:
        if arg.keyword is None:
            continue
        name = arg.keyword.value
        if name in seen_keywords:
            problems.append(f"keyword argument `{name}` is given twice")
            continue
        seen_keywords.add(name)
        target = by_name.get(name)
        if target is None:
            if name in shape.positional_only:
                problems.append(f"`{name}` is positional-only: pass it by position")
            elif not shape.var_keyword:
                close = closest(name, ("params", task), lambda: list(by_name))
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                problems.append(f"unknown keyword argument `{name}`{hint}")
            continue
        if name in filled:
            problems.append(f"`{name}` is given twice: by position and as a keyword")
            continue
        filled.add(name)
    count = len(shape.required_set) - len(filled & shape.required_set)
    if count:
        first: list[str] = []
        for name in shape.required:  # stops after LISTED missing names: at most len(filled) + LISTED steps
            if name not in filled:
                first.append(f"`{name}`")
                if len(first) == LISTED:
                    break
        listed = ", ".join(first) + (f" and {count - len(first)} more" if count > len(first) else "")
        problems.append(f"missing {'argument' if count == 1 else 'arguments'} {listed}")
    return problems


# The keywords each map function takes besides the task and the iterables.
_MAP_KEYWORDS = {
    "map_task": ("concurrency", "return_exceptions"),
    "flyte_map": ("concurrency", "return_exceptions", "group_name"),
}
# Flyte's own error texts (flyte/sandbox/_bridge.py), so a Flyte user sees what Flyte says.
_TOO_FEW = {
    "map_task": "`map_task` needs a task and at least one iterable: `map_task(task, items, ...)`",
    "flyte_map": "flyte_map requires at least 2 arguments: flyte_map(task_name, iterable, ...)",
}


def _literal_kind(node: cst.BaseExpression) -> str | None:
    """The Python type name of a literal that cannot name a task (`3`, `None`, `[...]`)."""
    kinds: dict[type[cst.CSTNode], str] = {
        cst.Integer: "int", cst.Float: "float", cst.List: "list", cst.Tuple: "tuple", cst.Dict: "dict",
        cst.ListComp: "list", cst.DictComp: "dict", cst.Imaginary: "complex",
    }
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return "bool" if node.value != "None" else "NoneType"
    return kinds.get(type(node))


@functools.lru_cache(maxsize=32)
def _available(tasks: frozenset[str]) -> str:
    """Flyte's list of task names (the first LISTED, then how many more)."""
    names = sorted(tasks)
    if not names:
        return "(none)"
    text = ", ".join(names[:LISTED])
    return text + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def map_call_problems(function: str, call: cst.Call, ctx: Context, interface: Interface, closest: Closest) -> list[str]:
    """What is wrong with a `map_task(...)` / `flyte_map(...)` call, as far as the source shows."""
    if any(arg.star for arg in call.args):
        return []
    positional = [arg for arg in call.args if arg.keyword is None]
    problems: list[str] = []
    allowed = _MAP_KEYWORDS[function]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value not in allowed:
            close = closest(arg.keyword.value, ("map", function), lambda: list(allowed))
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            takes = ", ".join(f"{name}=" for name in allowed)
            problems.append(f"`{function}` has no keyword `{arg.keyword.value}`{hint}; it takes {takes}")
    if len(positional) < 2:
        problems.append(_TOO_FEW[function])
    if not positional:
        return problems
    first = positional[0].value
    tasks = task_names(interface)
    name: str | None = None
    if isinstance(first, cst.SimpleString):
        value = first.evaluated_value
        name = value if isinstance(value, str) else None
        if name is not None and name not in tasks:
            close = closest(name, ("tasks", interface), lambda: sorted(tasks))
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{function}: task '{name}' not found in registered tasks. Available: {_available(tasks)}{hint}")
            return problems
    elif isinstance(first, cst.Name) and first.value in tasks and not ctx.is_local(first.value):
        name = first.value
    elif isinstance(first, cst.Name) and first.value in PROVIDED and not ctx.is_local(first.value):
        problems.append(f"`{first.value}` is not a task: {function} runs a task per element (available tasks: {_available(tasks)})")
        return problems
    else:
        kind = _literal_kind(first)
        if kind is not None:
            problems.append(f"{function} first argument must be a task name string, got {kind}")
            return problems
    task = task_named(interface, name) if name is not None else None
    if task is not None and task.params is not None and len(positional) >= 2:
        iterables = len(positional) - 1
        params = [p for p in task.params if p.kind == "positional"]
        required = [p for p in params if not p.has_default]
        variadic = any(p.kind == "var_positional" for p in task.params)
        keyword_only = [p for p in task.params if p.kind == "keyword_only" and not p.has_default]
        if iterables < len(required) or (iterables > len(params) and not variadic) or keyword_only:
            given = f"{iterables} iterable{'s' if iterables != 1 else ''}"
            problems.append(
                f"`{task.name}` takes {signature_of(task)}, but `{elide(call)}` passes {given}: "
                "one iterable per positional argument of the task"
            )
    return problems


class TaskCallSignature(Rule):
    """
    ## What it does
    Checks calls to tasks whose signature is known (tasks declared in the
    host file or in the interface stub): too many positional arguments,
    unknown, duplicate or positional-only keywords, and missing required
    arguments. Calls that unpack `*args` or `**kwargs` are not checked, nor
    are tasks whose arity is unknown (imported names), nor a task name the
    code rebound locally. Active when the interface is known.

    ## Why is this bad?
    A task call with the wrong arguments fails only when it runs: after the
    tasks before it already did their (possibly slow, possibly paid) work.
    The checker knows the signature, so it reports the mistake up front.

    ## Example
    ```python
    total = add(1)
    sums = flyte_map("ad", xs, ys)
    ```

    ## Use instead
    ```python
    total = add(1, 2)
    sums = flyte_map("add", xs, ys)
    ```

    ## Fix safety
    No automatic fix: which argument is missing or extra is the author's
    intent. When the only problem is a misspelled keyword or task name with
    one close match, the corrected spelling comes as a display fix, never
    applied by `--fix`. Close names are searched within the unit's bounded
    budget (see SBX401).
    """

    code = "SBX403"
    name = "task-call-signature"
    summary = "the arguments of this task call do not match the task's signature"
    category = "names"
    inspects = (cst.Call,)
    suggests = True
    VALID = [
        Valid("a = add(1, 2)\nb = add(x=1, y=a)\nc = scale(2.0, clamp=True)\n", interface=STUB),
        Valid("args = [1, 2]\nr = add(*args)\n", interface=STUB),
        Valid("def add(a):\n    return a\nr = add(1)\n", interface=STUB),
        Valid("a = map_task(add, items, items)\nb = flyte_map(\"add\", items, items, concurrency=2, group_name=\"g\")\n", interface=STUB),
        Valid("name = \"add\"\nr = flyte_map(name, items, items)\n", interface=STUB),
    ]
    INVALID = [
        Invalid("total = add(1)\n", interface=STUB, line=1, column=9),
        Invalid("total = add(1, 2, 3)\n", interface=STUB),
        Invalid("total = add(1, z=2)\n", interface=STUB),
        Invalid("total = add(1, x=2)\n", interface=STUB),
        Invalid("r = scale(v=2.0)\n", interface=STUB),
        Invalid("r = flyte_map(\"ad\", items, items)\n", interface=STUB, line=1, column=5),
        Invalid("r = flyte_map(\"add\")\n", interface=STUB),
        Invalid("r = flyte_map(3, items)\n", interface=STUB),
        Invalid("r = map_task(add, items)\n", interface=STUB),
        Invalid("r = flyte_map(\"add\", items, items, bogus=1)\n", interface=STUB),
        Invalid("r = scale(2.0, clam=True)\n", interface=STUB),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Call
        found: list[str] = []

        def closest(word: str, key: object, names: Callable[[], list[str]]) -> list[str]:
            close = suggester(ctx).close(word, [(key, names)], n=1)
            if close:
                found.append(close[0])
            return close

        function = provided_call(node, ctx, MAP_FUNCTIONS)
        if function is not None and ctx.interface is not None:
            problems = map_call_problems(function, node, ctx, ctx.interface, closest)
            if problems:
                ctx.report(self, node, "; ".join(problems), _respelled(node, problems, found))
            return
        task = called_task(node, ctx)
        if task is None or task.params is None:
            return
        if any(arg.star for arg in node.args):
            return
        problems = call_problems(task, node, closest)
        if problems:
            message = f"`{task.name}` takes {signature_of(task)}: " + "; ".join(problems)
            ctx.report(self, node, message, _respelled(node, problems, found))


def _respelled(call: cst.Call, problems: list[str], found: list[str]) -> Replacement | None:
    """The display fix for a call whose one problem is a misspelling with one match."""
    if len(problems) != 1 or len(found) != 1 or "did you mean" not in problems[0]:
        return None
    new = found[0]
    for arg in call.args:
        if arg.keyword is not None and f"`{arg.keyword.value}`" in problems[0]:
            return Replacement(arg.keyword, new, f"Use `{new}`", "display")
    first = call.args[0].value if call.args else None
    if isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
        quote = first.quote if first.quote in ('"', "'") else '"'
        return Replacement(first, f"{quote}{new}{quote}", f"Use the task `{new}`", "display")
    return None
