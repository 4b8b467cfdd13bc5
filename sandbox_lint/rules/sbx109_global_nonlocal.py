from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule


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
    No fix: the function's signature and every call site change.
    """

    code = "SBX109"
    name = "global-nonlocal"
    summary = "`global` and `nonlocal` are not allowed: return values instead"
    owns = (cst.Global, cst.Nonlocal)
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
        if function is None:
            message = f"{declared} is not allowed (and does nothing at the top level): remove it"
        else:
            target = names[0] if len(names) == 1 else ", ".join(names)
            func = function.name.value
            message = (
                f"{declared} is not allowed: pass the current value into `{func}` as an argument, "
                f"return the new value, and rebind it where you call it: `{target} = {func}(...)`"
            )
        ctx.report(self, node, message)
