from __future__ import annotations

import libcst as cst

from ..tree import ROLE_BIND
from ..builtins import ALLOWED_BUILTINS, EXCEPTION_NAMES, RUNTIME_FUNCTIONS
from .base import Context, Invalid, Replacement, Rule, Valid
from .shared import task_names
from .suggestions import fresh_name


STUB = "def add(x: int, y: int) -> int: ...\nitems: list[int]"
_SHADOWABLE = ALLOWED_BUILTINS | EXCEPTION_NAMES | RUNTIME_FUNCTIONS

_WHERE = {
    cst.FunctionDef: "defining a function named",
    cst.Param: "a parameter named",
    cst.For: "a loop variable named",
    cst.CompFor: "a comprehension variable named",
}


class ShadowedName(Rule):
    """
    ## What it does
    Reports a binding (assignment, `def`, parameter, `for` target,
    comprehension target) of a name that is a task or a provided builtin
    (`len`, `sum`, `list`, `max`, `gather`, `map_task`, `flyte_map`, `ValueError`, …).
    Rebinding an input is fine. Active when the interface is known.

    ## Why is this bad?
    After `sum = 0`, every later `sum(...)` in that scope calls an int; after
    `add = add(1, 2)`, the task is gone for the rest of the program. The code
    still reads as a call to the task or builtin, for the author, for a
    reviewer and for the checker's task-call rules.

    ## Example
    ```python
    sum = 0
    for x in items:
        sum = sum + x
    ```

    ## Use instead
    ```python
    total = 0
    for x in items:
        total = total + x
    ```

    ## Fix safety
    No automatic fix: renaming must rename every use, and the new name is a
    choice. The binding renamed to the name the message proposes (one
    nothing in scope uses) comes as a display fix, never applied by
    `--fix`; its uses are for the author to rename.
    """

    code = "SBX402"
    name = "shadowed-name"
    summary = "this binding hides a task or a provided builtin"
    category = "names"
    inspects = (cst.Name,)
    suggests = True
    VALID = [
        Valid("total = 0\nfor x in items:\n    total = total + add(x, 1)\n", interface=STUB),
        Valid("items = sorted(items)\nrow = {'len': 1}\n", interface=STUB),
        "sum = 0",
    ]
    INVALID = [
        Invalid("sum = 0\nfor x in items:\n    sum = sum + x\n", interface=STUB, line=1, column=1),
        Invalid("add = add(1, 2)\n", interface=STUB),
        Invalid("def len(x):\n    return 0\n", interface=STUB),
        Invalid("def f(list):\n    return list\n", interface=STUB),
        Invalid("squares = [max * max for max in items]\n", interface=STUB),
        Invalid("for gather in items:\n    print(gather)\n", interface=STUB),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        interface = ctx.interface
        if interface is None or ctx.roles.get(id(node)) != ROLE_BIND:
            return
        assert type(node) is cst.Name
        value = node.value
        is_task = value in task_names(interface)
        if not is_task and value not in _SHADOWABLE:
            return
        where = "binding"
        for node_type in reversed([type(a) for a in ctx.ancestors[-3:]]):
            if node_type in _WHERE:
                where = _WHERE[node_type]
                break
        if where == "binding":
            where = "assigning to"
        what = "the task" if is_task else "the builtin"
        rename = fresh_name(ctx, f"{value}_result" if is_task else f"{value.lower()}_value")
        ctx.report(
            self,
            node,
            f"{where} `{value}` hides {what} `{value}`: later uses of `{value}` would not reach it; "
            f"pick another name, e.g. `{rename}`",
            Replacement(node, rename, f"Rename to `{rename}`", "display"),
        )
