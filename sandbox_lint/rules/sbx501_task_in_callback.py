from __future__ import annotations

import libcst as cst

from ..builtins import MAP_FUNCTIONS
from .base import Context, Invalid, Rule, Valid
from .suggestions import elide, fmt, fresh_name, join
from .shared import called_task, provided_call, task_names


STUB = "def score(x: int) -> int: ...\ndef keep(x: int) -> bool: ...\nitems: list[int]"

_FUNCTION_FIRST = frozenset({"map", "filter"})
_KEY_FUNCTIONS = frozenset({"sorted", "min", "max"})
_CALLBACK_TAKERS = _FUNCTION_FIRST | _KEY_FUNCTIONS


class TaskInCallback(Rule):
    """
    ## What it does
    Reports a task called where Monty cannot pause the program to run it: a
    task call (or a `map_task(...)` / `flyte_map(...)`) inside a `lambda`,
    and a task passed by name as the function of `map(...)` or `filter(...)`
    or as the `key=` of `sorted`, `min` or `max`. Active when the interface
    is known.

    ## Why is this bad?
    A task runs outside the sandbox: Monty suspends the program at the call
    and resumes it with the result. It can suspend in sandbox code, but not
    in the middle of a builtin that is calling back into a function (the
    builtin's loop runs natively) or inside a lambda handed to one, so the
    call fails at run time.

    ## Example
    ```python
    scores = list(map(score, items))
    best = max(items, key=lambda x: score(x))
    ```

    ## Use instead
    ```python
    scores = []
    for x in items:
        scores.append(score(x))
    # or, in one call: scores = map_task(score, items) (`flyte_map("score", items)`)
    best = items[scores.index(max(scores))]
    ```

    ## Fix safety
    No fix: the loop that replaces the callback depends on what the code
    does with the results.
    """

    code = "SBX501"
    name = "task-in-callback"
    summary = "a task cannot be called from inside a builtin callback or a lambda"
    category = "names"
    inspects = (cst.Call,)
    VALID = [
        Valid("scores = []\nfor x in items:\n    scores.append(score(x))\n", interface=STUB),
        Valid("ordered = sorted(items, key=lambda x: -x)\nkept = [x for x in items if keep(x)]\n", interface=STUB),
        Valid("async def main():\n    return await map_task(score, items)\n", interface=STUB),
    ]
    INVALID = [
        Invalid("scores = list(map(score, items))\n", interface=STUB, line=1, column=19),
        Invalid("kept = list(filter(keep, items))\n", interface=STUB),
        Invalid("best = max(items, key=score)\n", interface=STUB),
        Invalid("ordered = sorted(items, key=lambda x: score(x))\n", interface=STUB),
        Invalid("f = lambda x: score(x) + 1\n", interface=STUB),
        Invalid("f = lambda xs: flyte_map(\"score\", xs)\n", interface=STUB),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Call
        interface = ctx.interface
        if interface is None:
            return
        task = called_task(node, ctx)
        mapper = provided_call(node, ctx, MAP_FUNCTIONS)
        if task is not None or mapper is not None:
            for ancestor in reversed(ctx.ancestors):
                kind = type(ancestor)
                if kind is cst.FunctionDef:
                    return
                if kind is cst.Lambda:
                    alternative = "" if task is None else f" (or `map_task({task.name}, ...)` over the values)"
                    ctx.report(
                        self,
                        node,
                        f"task call `{elide(node)}` inside a lambda: Monty cannot pause inside a "
                        f"callback to run a task; compute the values first with a for loop{alternative} "
                        "and use the results",
                    )
                    return
            return
        builtin = provided_call(node, ctx, _CALLBACK_TAKERS)
        if builtin is None:
            return
        tasks = task_names(interface)
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        for arg in node.args:
            if builtin in _FUNCTION_FIRST:
                if not positional or arg is not positional[0]:
                    continue
            elif arg.keyword is None or arg.keyword.value != "key":
                continue
            value = arg.value
            if not isinstance(value, cst.Name) or value.value not in tasks or ctx.is_local(value.value):
                continue
            name = value.value
            if builtin in _FUNCTION_FIRST:
                rest = join([fmt("{}", a.value) for a in positional[1:]], ", ") if positional[1:] else fmt("...")
                if len(positional) == 2:
                    x = fresh_name(ctx, "item")
                    results = fresh_name(ctx, "results", {x})
                    if builtin == "map":
                        loop = fmt(f"for {x} in {{}}: {results}.append({name}({x}))", positional[1].value)
                        shown = f"`{results} = []` then `{loop.shown()}`"
                    else:
                        shown = f"`{fmt(f'{results} = [{x} for {x} in {{}} if {name}({x})]', positional[1].value).shown()}`"
                    instead = f"write {shown}, or `{fmt(f'map_task({name}, {{}})', rest).shown()}`"
                else:
                    instead = f"call it in a `for` loop, or write `{fmt(f'map_task({name}, {{}})', rest).shown()}`"
                ctx.report(
                    self,
                    value,
                    f"task `{name}` passed to `{builtin}(...)`: Monty cannot pause inside a builtin callback "
                    f"to run a task; {instead}",
                )
            else:
                items = positional[0].value if positional else None
                x = fresh_name(ctx, "item")
                keys = fresh_name(ctx, "keys", {x})
                if items is not None:
                    each = fmt(f"for {x} in {{}}: {keys}.append({name}({x}))", items)
                    keys_loop = f"`{keys} = []` then `{each.shown()}`"
                else:
                    keys_loop = f"`{keys} = []`, then a `for` loop appending `{name}(...)` of each value"
                ctx.report(
                    self,
                    value,
                    f"task `{name}` used as the `key=` of `{builtin}(...)`: Monty cannot pause inside a builtin "
                    f"callback to run a task; compute the keys first with a for loop "
                    f"({keys_loop}) and compare those keys",
                )
