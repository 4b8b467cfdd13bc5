from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule
from .suggestions import elide, splice


class ModuleReturn(Rule):
    """
    ## What it does
    Rejects `return` at the top level of a script, outside any function.

    ## Why is this bad?
    A sandbox script's result is the value of its last expression statement,
    as in a notebook cell. Python itself rejects a top-level `return`, so the
    script would not run anywhere else, and an early `return` hides the
    control flow that decides the result.

    ## Example
    ```python
    total = sum(values)
    return total
    ```

    ## Use instead
    ```python
    total = sum(values)
    total
    ```

    ## Fix safety
    No automatic fix. A `return value` that is the script's last statement
    gets the rewrite the message names (`value` alone) as a display fix,
    never applied by `--fix`. A `return` in the middle of a script also
    stops it, which an expression does not; such scripts need an `if/else`
    around the rest, and get no fix.
    """

    code = "SBX117"
    name = "module-return"
    summary = "`return` outside a function: the last expression is the result"
    inspects = (cst.Return,)
    suggests = True
    VALID = [
        "total = sum([1, 2])\ntotal\n",
        "def f(x):\n    def g():\n        return x\n    return g()\n\nf(1)\n",
    ]
    INVALID = [
        Invalid("total = 3\nreturn total\n", line=2, column=1),
        "if True:\n    return 1\n",
        "for x in [1, 2]:\n    return\n",
        "def f():\n    return 1\nreturn f()\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        if ctx.enclosing_function() is not None:
            return
        assert type(node) is cst.Return
        last = _last_statement(node, ctx)
        if node.value is None or not last:
            message = (
                "`return` outside a function is not allowed: the last expression is the result; "
                "put the remaining statements under an `if/else` instead of returning early, and end "
                "with the result as an expression"
            )
            ctx.report(self, node, message)
            return
        value = elide(node.value)
        fix = Replacement(node, splice(node.value), f"Replace `return {value}` with `{value}`", "display")
        message = (
            f"`return` outside a function is not allowed: the last expression is the result; "
            f"write `{value}` as the last line instead of `return {value}`"
        )
        ctx.report(self, node, message, fix)


def _last_statement(node: cst.Return, ctx: Context) -> bool:
    """True for a `return` that is the last statement of a script's top level."""
    if len(ctx.ancestors) != 2:
        return False
    module, line = ctx.ancestors
    return (
        isinstance(module, cst.Module) and isinstance(line, cst.SimpleStatementLine)
        and bool(module.body) and module.body[-1] is line and line.body[-1] is node
    )
