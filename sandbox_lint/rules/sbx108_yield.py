from __future__ import annotations

import libcst as cst

from ..tree import children
from .base import Context, Invalid, Replacement, Rule
from .suggestions import block_indent, default_indent, elide, fresh_name, reindent_safe, splice


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
    No automatic fix: the caller then gets a list, built in full before it
    sees the first item. The rewrite the message names comes as a display
    fix, never applied, when every `yield` of the function is a statement
    of its own and the function returns no value.
    """

    code = "SBX108"
    name = "yield"
    summary = "`yield` is not allowed: build and return a list"
    owns = (cst.Yield,)
    suggests = True
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
        function = ctx.enclosing_function()
        results = fresh_name(ctx, "results")
        if isinstance(node.value, cst.From):
            keyword, collect = "yield from", f"{results}.extend({elide(node.value.item, 50)})"
        else:
            value = elide(node.value, 50) if node.value is not None else "None"
            keyword, collect = "yield", f"{results}.append({value})"
        if function is not None:
            where = f"`{keyword}` makes `{function.name.value}` a generator, which the sandbox cannot run"
        else:
            where = f"`{keyword}` is not allowed"
        fix = _collect(function, results, ctx) if function is not None else None
        ctx.report(
            self,
            node,
            f"{where}: start with `{results} = []`, write `{collect}` here, and `return {results}` at the end",
            fix,
        )


def _collect(function: cst.FunctionDef, results: str, ctx: Context) -> Replacement | None:
    """The function collecting its values in a list: every `yield` a statement of
    its own, no `return` with a value."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body or not reindent_safe(function, ctx):
        return None
    replace: dict[int, str] = {}
    stack: list[cst.CSTNode] = list(body.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        if isinstance(node, cst.Expr) and isinstance(node.value, cst.Yield):
            produced = node.value
            if isinstance(produced.value, cst.From):
                replace[id(node)] = f"{results}.extend({splice(produced.value.item)})"
            else:
                value = splice(produced.value) if produced.value is not None else "None"
                replace[id(node)] = f"{results}.append({value})"
            continue
        if isinstance(node, cst.Yield):
            return None  # a `yield` inside an expression
        if isinstance(node, cst.Return):
            if node.value is not None:
                return None
            replace[id(node)] = f"return {results}"
        stack.extend(children(node))
    indent = block_indent(body, ctx)
    text = splice(function, replace, {id(body.body[0]): f"{indent}{results} = []\n"}, indent=default_indent(ctx))
    return Replacement(function, f"{text}\n{indent}return {results}", f"Collect the values in `{results}`", "display")
