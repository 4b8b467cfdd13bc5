from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, code_of
from .suggestions import statement_place


class GlobalNonlocal(Rule):
    """
    ## What it does
    Rejects `global` and `nonlocal` declarations.

    ## Why is this bad?
    They let a function rebind names outside itself, so a value can change
    behind the reader's back. Sandbox functions take their inputs as
    arguments and hand results back with `return`.

    ## Example
    ```python
    total = 0
    def add(x):
        global total
        total = total + x
    add(3)
    ```

    ## Use instead
    ```python
    total = 0
    def add(total, x):
        return total + x
    total = add(total, 3)
    ```

    ## Fix safety
    No fix inside a function: its signature and every call site change (the
    message names the new header and the `return`). At the top level, where
    the declaration does nothing, a display fix removes it (never applied
    by `--fix`).
    """

    code = "SBX109"
    name = "global-nonlocal"
    summary = "`global` and `nonlocal` are not allowed: return values instead"
    owns = (cst.Global, cst.Nonlocal)
    suggests = True
    VALID = [
        "def add(total, x):\n    return total + x\n\ntotal = add(0, 3)\n",
        "def outer():\n    count = 0\n    def inner(count):\n        return count + 1\n    count = inner(count)\n    return count\n",
    ]
    INVALID = [
        Invalid("total = 0\ndef add(x):\n    global total\n    total = total + x\n", line=3, column=5),
        "def outer():\n    count = 0\n    def inner():\n        nonlocal count\n        count = count + 1\n    inner()\n    return count\n",
        "global x\n",
        "def f():\n    global a, b\n    a = 1\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert isinstance(node, (cst.Global, cst.Nonlocal))
        keyword = "global" if isinstance(node, cst.Global) else "nonlocal"
        names = [item.name.value for item in node.names]
        declared = f"`{keyword} {', '.join(names)}`"
        function = ctx.enclosing_function()
        fix = None
        if function is None:
            message = f"{declared} is not allowed (and does nothing at the top level): remove it"
            alone = statement_place(node, ctx)
            if alone is not None:
                fix = Replacement(node, "pass", f"Replace {declared} with `pass`", "display")
        else:
            func = function.name.value
            params = function.params
            present = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
            added = [name for name in names if name not in present]
            header = _header(function, added)
            returned = names[0] if len(names) == 1 else ", ".join(names)
            message = (
                f"{declared} is not allowed: take the current value as a parameter and return the new one: "
                f"`{header}`, ending with `return {returned}`, and rebind it where you call it: "
                f"`{returned} = {func}({', '.join(added + ['...'] if present else added)})`"
            )
        ctx.report(self, node, message, fix)


def _header(function: cst.FunctionDef, added: list[str]) -> str:
    """`def name(new, old):` with the declared names first among the parameters."""
    params = function.params
    new = [cst.Param(cst.Name(name)) for name in added]
    changed = params.with_changes(params=[*new, *params.params]) if not params.posonly_params else params.with_changes(
        posonly_params=[*new, *params.posonly_params]
    )
    keyword = "async def" if function.asynchronous is not None else "def"
    rendered = code_of(changed)
    return f"{keyword} {function.name.value}({rendered.strip().rstrip(',')}):"
