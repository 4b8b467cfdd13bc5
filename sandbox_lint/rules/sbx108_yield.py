from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten


class YieldExpression(Rule):
    """
    ## What it does
    Rejects `yield` and `yield from`, and with them every generator function,
    including a generator orchestrator.

    ## Why is this bad?
    A generator's body runs lazily, whenever its consumer asks for the next
    value, so the order of task calls depends on the consumer instead of the
    code. The sandbox runs programs start to finish and hands back one
    result: build the values in a list and return it.

    ## Example
    ```python
    def squares(xs):
        for x in xs:
            yield x * x
    ```

    ## Use instead
    ```python
    def squares(xs):
        results = []
        for x in xs:
            results.append(x * x)
        return results
    ```

    ## Fix safety
    No fix: the list has to be created before the loop and returned after it.
    """

    code = "SBX108"
    name = "yield"
    summary = "`yield` is not allowed: build and return a list"
    owns = (cst.Yield,)
    VALID = [
        "def squares(xs):\n    results = []\n    for x in xs:\n        results.append(x * x)\n    return results\n",
        "gen = (x * x for x in [1, 2])\ntotal = sum(gen)\n",
    ]
    INVALID = [
        Invalid("def squares(xs):\n    for x in xs:\n        yield x * x\n", line=3, column=9),
        "def chain(a, b):\n    yield from a\n    yield from b\n",
        "def outer():\n    def inner():\n        yield\n    return inner\n",
        "f = lambda: (yield)\n",
        "async def agen(xs):\n    for x in xs:\n        yield x\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Yield
        if isinstance(node.value, cst.From):
            keyword, collect = "yield from", f"results.extend({shorten(code_of(node.value.item))})"
        else:
            value = shorten(code_of(node.value)) if node.value is not None else "None"
            keyword, collect = "yield", f"results.append({value})"
        function = ctx.enclosing_function()
        where = f"`{keyword}` makes `{function.name.value}` a generator, which the sandbox cannot run" if function is not None else f"`{keyword}` is not allowed"
        ctx.report(
            self,
            node,
            f"{where}: start with `results = []`, write `{collect}` here, and `return results` at the end",
        )
