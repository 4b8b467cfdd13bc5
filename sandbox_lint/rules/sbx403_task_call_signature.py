from __future__ import annotations

import difflib

import libcst as cst

from ..interface import TaskSignature
from .base import Context, Invalid, Rule, Valid
from ..interface import render_params
from .shared import called_task


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
    ```

    ## Use instead
    ```python
    total = add(1, 2)
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
    ]
    INVALID = [
        Invalid("total = add(1)\n", interface=STUB, line=1, column=9),
        Invalid("total = add(1, 2, 3)\n", interface=STUB),
        Invalid("total = add(1, z=2)\n", interface=STUB),
        Invalid("total = add(1, x=2)\n", interface=STUB),
        Invalid("r = scale(v=2.0)\n", interface=STUB),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Call
        task = called_task(node, ctx)
        if task is None or task.params is None:
            return
        if any(arg.star for arg in node.args):
            return
        problems = call_problems(task, node)
        if problems:
            ctx.report(self, node, f"`{task.name}` takes {render_params(task.params)}: " + "; ".join(problems))
