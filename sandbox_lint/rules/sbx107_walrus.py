from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule
from .suggestions import default_indent, fmt, raw, reindent_safe, splice, statement_place, statements


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
    No automatic fix: moving the assignment before the statement runs it
    first, even where the walrus sat behind `and`, `or` or a conditional
    expression. Where it is a statement's own expression (not a `while`
    condition, not inside a lambda or comprehension, not an `elif`), the
    rewrite the message names comes as a display fix, never applied.
    """

    code = "SBX107"
    name = "walrus"
    summary = "`:=` is not allowed: write a separate assignment"
    owns = (cst.NamedExpr,)
    suggests = True
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
        "x = [1]\nprint((n := len(x)) + n)\n",
        "def f(xs):\n    for x in (ys := sorted(xs)):\n        print(x, ys)\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.NamedExpr
        assignment = fmt("{} = {}", node.target, node.value)
        name = node.target.value if isinstance(node.target, cst.Name) else "name"
        advice, statement = _advice(node, name, assignment.shown(), ctx)
        fix = None
        if statement is not None and isinstance(node.target, cst.Name):
            fix = _hoist(node, statement, assignment.text, ctx)
        ctx.report(self, node, f"`:=` is not allowed: {advice}", fix)


def _hoist(node: cst.NamedExpr, statement: cst.CSTNode, assignment: str, ctx: Context) -> Replacement | None:
    """The statement with the walrus replaced by its name, after the assignment."""
    assert isinstance(node.target, cst.Name)
    indent = default_indent(ctx)
    rewritten = splice(statement, {id(node): node.target.value}, indent=indent)
    if isinstance(statement, cst.BaseSmallStatement):
        alone = statement_place(statement, ctx)
        if alone is None:
            return None
        text = statements([raw(assignment), raw(rewritten)], alone).text
        if alone and not reindent_safe(statement, ctx):
            return None
    else:
        if not reindent_safe(statement, ctx):
            return None
        text = f"{assignment}\n{rewritten}"
    return Replacement(statement, text, f"Assign `{node.target.value}` before the statement", "display")


def _advice(node: cst.NamedExpr, name: str, assignment: str, ctx: Context) -> tuple[str, cst.CSTNode | None]:
    """The advice, and the statement to put the assignment before (None: no rewrite)."""
    child: cst.CSTNode = node
    conditional = False
    for index in range(len(ctx.ancestors) - 1, -1, -1):
        ancestor = ctx.ancestors[index]
        if isinstance(ancestor, cst.Lambda):
            return f"turn the lambda into a `def` helper that writes `{assignment}` as a statement and returns the result", None
        if isinstance(ancestor, _COMPREHENSIONS):
            return (
                "a comprehension has no room for a statement; write a `for` loop that assigns "
                f"`{assignment}` and appends the result"
            ), None
        if isinstance(ancestor, cst.While) and ancestor.test is child:
            return (
                f"write `{assignment}` before the loop and again at the end of its body, and test "
                f"`while {name}:` (or the comparison on `{name}`)"
            ), None
        if isinstance(ancestor, cst.BooleanOperation) and ancestor.right is child:
            conditional = True
        if isinstance(ancestor, cst.IfExp) and ancestor.test is not child:
            conditional = True
        if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            statement: cst.CSTNode | None = ancestor
            parent = ctx.ancestors[index - 1] if index > 0 else None
            if isinstance(ancestor, cst.If) and isinstance(parent, cst.If) and parent.orelse is ancestor:
                statement = None  # an `elif`: nothing can go before it
            if conditional or not isinstance(ancestor, (cst.BaseSmallStatement, cst.If, cst.For)):
                statement = None
            return f"write `{assignment}` as a separate statement before this line, then use `{name}`", statement
        child = ancestor
    return f"write `{assignment}` as a separate statement before this line, then use `{name}`", None
