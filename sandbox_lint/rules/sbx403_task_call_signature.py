from __future__ import annotations

import difflib

import libcst as cst

from ..builtins import MAP_FUNCTIONS, PROVIDED
from ..interface import Interface, TaskSignature, render_params
from .base import Context, Invalid, Rule, Valid, code_of, shorten
from .shared import called_task, provided_call, task_names


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


def call_problems(task: TaskSignature, call: cst.Call) -> list[str]:
    """What is wrong with the arguments of `call` for `task` (empty when it binds)."""
    assert task.params is not None
    plain = _plain_arity(task)
    if plain is not None and len(call.args) == plain and all(arg.keyword is None for arg in call.args):
        return []  # all positional, the right number: binds
    positional = [p for p in task.params if p.kind == "positional"]
    keyword_only = [p for p in task.params if p.kind == "keyword_only"]
    var_positional = any(p.kind == "var_positional" for p in task.params)
    var_keyword = any(p.kind == "var_keyword" for p in task.params)
    by_name = {p.name: p for p in positional + keyword_only if not p.positional_only}

    problems: list[str] = []
    given = [arg for arg in call.args if arg.keyword is None]
    filled: set[str] = set()
    if len(given) > len(positional) and not var_positional:
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
            if any(p.name == name and p.positional_only for p in positional):
                problems.append(f"`{name}` is positional-only: pass it by position")
            elif not var_keyword:
                close = difflib.get_close_matches(name, list(by_name), n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                problems.append(f"unknown keyword argument `{name}`{hint}")
            continue
        if name in filled:
            problems.append(f"`{name}` is given twice: by position and as a keyword")
            continue
        filled.add(name)
    missing = [p.name for p in positional + keyword_only if not p.has_default and p.name not in filled]
    if missing:
        listed = ", ".join(f"`{name}`" for name in missing)
        problems.append(f"missing {'argument' if len(missing) == 1 else 'arguments'} {listed}")
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


def map_call_problems(function: str, call: cst.Call, ctx: Context, interface: Interface) -> list[str]:
    """What is wrong with a `map_task(...)` / `flyte_map(...)` call, as far as the source shows."""
    if any(arg.star for arg in call.args):
        return []
    positional = [arg for arg in call.args if arg.keyword is None]
    problems: list[str] = []
    allowed = _MAP_KEYWORDS[function]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value not in allowed:
            close = difflib.get_close_matches(arg.keyword.value, list(allowed), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            takes = ", ".join(f"{name}=" for name in allowed)
            problems.append(f"`{function}` has no keyword `{arg.keyword.value}`{hint}; it takes {takes}")
    if len(positional) < 2:
        problems.append(_TOO_FEW[function])
    if not positional:
        return problems
    first = positional[0].value
    tasks = task_names(interface)
    available = ", ".join(sorted(tasks)) or "(none)"
    name: str | None = None
    if isinstance(first, cst.SimpleString):
        value = first.evaluated_value
        name = value if isinstance(value, str) else None
        if name is not None and name not in tasks:
            close = difflib.get_close_matches(name, sorted(tasks), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{function}: task '{name}' not found in registered tasks. Available: {available}{hint}")
            return problems
    elif isinstance(first, cst.Name) and first.value in tasks and not ctx.is_local(first.value):
        name = first.value
    elif isinstance(first, cst.Name) and first.value in PROVIDED and not ctx.is_local(first.value):
        problems.append(f"`{first.value}` is not a task: {function} runs a task per element (available tasks: {available})")
        return problems
    else:
        kind = _literal_kind(first)
        if kind is not None:
            problems.append(f"{function} first argument must be a task name string, got {kind}")
            return problems
    task = interface.task(name) if name is not None else None
    if task is not None and task.params is not None and len(positional) >= 2:
        iterables = len(positional) - 1
        params = [p for p in task.params if p.kind == "positional"]
        required = [p for p in params if not p.has_default]
        variadic = any(p.kind == "var_positional" for p in task.params)
        keyword_only = [p for p in task.params if p.kind == "keyword_only" and not p.has_default]
        if iterables < len(required) or (iterables > len(params) and not variadic) or keyword_only:
            given = f"{iterables} iterable{'s' if iterables != 1 else ''}"
            problems.append(
                f"`{task.name}` takes {render_params(task.params)}, but `{shorten(code_of(call))}` passes {given}: "
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
    No fix: which argument is missing or extra is the author's intent.
    """

    code = "SBX403"
    name = "task-call-signature"
    summary = "the arguments of this task call do not match the task's signature"
    category = "names"
    inspects = (cst.Call,)
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
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Call
        function = provided_call(node, ctx, MAP_FUNCTIONS)
        if function is not None and ctx.interface is not None:
            problems = map_call_problems(function, node, ctx, ctx.interface)
            if problems:
                ctx.report(self, node, "; ".join(problems))
            return
        task = called_task(node, ctx)
        if task is None or task.params is None:
            return
        if any(arg.star for arg in node.args):
            return
        problems = call_problems(task, node)
        if problems:
            ctx.report(self, node, f"`{task.name}` takes {render_params(task.params)}: " + "; ".join(problems))
