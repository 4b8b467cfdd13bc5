from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, Valid
from .suggestions import Code, fmt


# Conditions that stay correct after `not ` without parentheses.
_ATOMS = (
    cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString,
    cst.ConcatenatedString, cst.FormattedString, cst.List, cst.Tuple, cst.Dict, cst.ListComp,
    cst.DictComp, cst.GeneratorExp,
)


def negated(test: cst.BaseExpression) -> Code:
    if isinstance(test, _ATOMS) or test.lpar:
        return fmt("not {}", test)
    return fmt("not ({})", test)


class AssertStatement(Rule):
    """
    ## What it does
    Rejects `assert` statements.

    ## Why is this bad?
    An `assert` is a debugging aid: Python drops it entirely under `-O`, so a
    check written with it may silently not run. Sandbox code states its
    checks as ordinary control flow that always runs.

    ## Example
    ```python
    assert len(rows) > 0, "no rows"
    ```

    ## Use instead
    ```python
    if not (len(rows) > 0):
        raise AssertionError("no rows")
    ```

    ## Fix safety
    Safe: `assert cond, msg` becomes `if not cond:` followed by
    `raise AssertionError(msg)` (`AssertionError()` when there is no
    message), which raises the same exception with the same message whenever
    the assert would have failed. The condition is parenthesized unless it is
    atomic. Offered only when the assert is the only statement on its line,
    not in a one-line suite (`if x: assert y`), and fits on one line; other
    asserts are reported without a fix.
    """

    code = "SBX112"
    name = "assert-statement"
    summary = "`assert` is not allowed: write `if not cond: raise AssertionError(msg)`"
    owns = (cst.Assert,)
    fixable = "safe"
    VALID = [
        "x = 1\nif not (x > 0):\n    raise AssertionError('x must be positive')\n",
        Valid("def check(rows):\n    if not rows:\n        raise AssertionError()\n    return rows\n"),
    ]
    INVALID = [
        Invalid(
            "x = 1\nassert x > 0, 'x must be positive'\n",
            fixed="x = 1\nif not (x > 0):\n    raise AssertionError('x must be positive')\n",
            line=2,
            column=1,
        ),
        Invalid("assert ok\n", fixed="if not ok:\n    raise AssertionError()\n"),
        Invalid(
            "def f(rows):\n    for r in rows:\n        assert r['id'], f'bad {r}'  # checked\n    return rows\n",
            fixed=(
                "def f(rows):\n    for r in rows:\n        if not r['id']:\n"
                "            raise AssertionError(f'bad {r}')  # checked\n    return rows\n"
            ),
        ),
        Invalid("assert (a and b)\n", fixed="if not (a and b):\n    raise AssertionError()\n"),
        Invalid("x = 1; assert x\n", line=1, column=8),
        "if True: assert False\n",
        "assert (x ==\n        1)\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Assert
        condition = negated(node.test)
        message: cst.BaseExpression | str = node.msg if node.msg is not None else ""
        replacement = fmt(f"if {{}}:\n{_indent(ctx)}raise AssertionError({{}})", condition, message).text
        shown = fmt("if {}: raise AssertionError({})", condition, message).shown()
        fix = None
        if self._fixable(node, ctx, replacement):
            fix = Replacement(node, replacement, f"Rewrite as `{shown}`")
        ctx.report(self, node, f"`assert` is not allowed: write `{shown}` (on two lines)", fix)

    @staticmethod
    def _fixable(node: cst.Assert, ctx: Context, replacement: str) -> bool:
        line = ctx.parent
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return False
        # Multi-line conditions or messages would be re-indented, which can change strings.
        return replacement.count("\n") == 1


def _indent(ctx: Context) -> str:
    root = ctx.ancestors[0] if ctx.ancestors else None
    return root.default_indent if isinstance(root, cst.Module) else "    "
