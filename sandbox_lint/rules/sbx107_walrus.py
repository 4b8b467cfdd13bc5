from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten


_COMPREHENSIONS = (cst.ListComp, cst.DictComp, cst.SetComp, cst.GeneratorExp)


class Walrus(Rule):
    """
    ## What it does
    Rejects assignment expressions (`:=`) anywhere: in conditions, loops,
    comprehensions, f-strings and lambdas.

    ## Why is this bad?
    An assignment hidden inside an expression is easy to miss when reading
    the code, and in comprehensions it binds a name in the enclosing scope, a
    scoping rule few readers know. The sandbox language has one way to bind a
    name: an assignment statement.

    ## Example
    ```python
    if (n := len(items)) > 10:
        print(n)
    ```

    ## Use instead
    ```python
    n = len(items)
    if n > 10:
        print(n)
    ```

    ## Fix safety
    No fix: where the separate assignment goes depends on the surrounding
    statement (a `while` condition needs it twice).
    """

    code = "SBX107"
    name = "walrus"
    summary = "`:=` is not allowed: write a separate assignment"
    owns = (cst.NamedExpr,)
    VALID = [
        "n = len([1, 2])\nif n > 1:\n    print(n)\n",
        "ys = [y for y in [1, 2] if y > 1]\nf = lambda x: x + 1\ns = f'{n=}'\n",
    ]
    INVALID = [
        Invalid("if (n := len([1, 2])) > 1:\n    print(n)\n", line=1, column=5),
        "ys = [y for x in [1, 2] if (y := x * 2) > 2]\n",
        "f = lambda x: (y := x + 1) * y\n",
        "s = f'{(n := 3)}'\n",
        "def f(read):\n    while (line := read()):\n        print(line)\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.NamedExpr
        name = code_of(node.target)
        assignment = f"{name} = {shorten(code_of(node.value))}"
        ctx.report(self, node, f"`:=` is not allowed: {_advice(node, name, assignment, ctx)}")


def _advice(node: cst.NamedExpr, name: str, assignment: str, ctx: Context) -> str:
    child: cst.CSTNode = node
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, cst.Lambda):
            return f"turn the lambda into a `def` helper that writes `{assignment}` as a statement and returns the result"
        if isinstance(ancestor, _COMPREHENSIONS):
            return (
                "a comprehension has no room for a statement; write a `for` loop that assigns "
                f"`{assignment}` and appends the result"
            )
        if isinstance(ancestor, cst.While) and ancestor.test is child:
            return (
                f"write `{assignment}` before the loop and again at the end of its body, and test "
                f"`while {name}:` (or the comparison on `{name}`)"
            )
        if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            break
        child = ancestor
    return f"write `{assignment}` as a separate statement before this line, then use `{name}`"
