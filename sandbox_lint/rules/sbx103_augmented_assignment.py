from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule
from .shared import Site, is_self, target_rewrite, with_attribute, with_item
from .suggestions import elide, fmt, operand, reindent_safe

_OPERATORS = {
    cst.AddAssign: "+", cst.SubtractAssign: "-", cst.MultiplyAssign: "*", cst.DivideAssign: "/",
    cst.FloorDivideAssign: "//", cst.ModuloAssign: "%", cst.PowerAssign: "**",
    cst.LeftShiftAssign: "<<", cst.RightShiftAssign: ">>", cst.BitOrAssign: "|",
    cst.BitAndAssign: "&", cst.BitXorAssign: "^", cst.MatrixMultiplyAssign: "@",
}

class AugmentedAssignment(Rule):
    """
    ## What it does
    Rejects augmented assignment: `x += 1`, `x -= y`, `s |= t` and every other
    `op=` form.

    ## Why is this bad?
    Augmented assignment mutates in place when the target supports it (`+=` on
    a list extends that same list), so its meaning depends on the value's type.
    The sandbox language keeps one way to update a name: plain rebinding.

    ## Example
    ```python
    total += item
    ```

    ## Use instead
    ```python
    total = total + item
    ```

    ## Fix safety
    Safe when the target is a plain name: `x op= v` becomes `x = x op (v)`,
    with parentheses added where precedence needs them (not offered when the
    value holds a multi-line string inside an indented block: re-indenting
    the statement would change the string). For lists this changes
    in-place extension into building a new list, which is what sandbox code
    wants. Subscript and attribute targets have no fix (they are rejected on
    their own by SBX102/SBX115).
    """

    code = "SBX103"
    name = "augmented-assignment"
    summary = "augmented assignment is not allowed: rebind the name instead"
    owns = (cst.AugAssign,)
    fixable = "safe"
    suggests = True
    VALID = ["x = x + 1", "total = 0\nfor v in [1, 2]:\n    total = total + v\n"]
    INVALID = [
        Invalid("x = 1\nx += 1\n", fixed="x = 1\nx = x + 1\n", line=2, column=1),
        Invalid("x = 2\nx *= 3 + 4\n", fixed="x = 2\nx = x * (3 + 4)\n"),
        Invalid("total = 0\nfor v in [1]:\n    total -= v\n", fixed="total = 0\nfor v in [1]:\n    total = total - v\n"),
        Invalid("d = {}\nd['k'] += 1\n"),
        Invalid("xs = [1]\nxs[0] += 1\n"),
        Invalid("state = {'count': 0}\nstate.count += 1\n"),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.AugAssign
        symbol = _OPERATORS.get(type(node.operator), "?")
        if isinstance(node.target, cst.Name):
            replacement = fmt(f"{{}} = {{}} {symbol} {{}}", node.target, node.target, operand(node.value))
            # A line break inside the value is re-indented with the statement: only where that changes nothing.
            safe: Replacement | None = None
            if "\n" not in replacement.text or reindent_safe(node, ctx):
                safe = Replacement(node, replacement.text, f"Rewrite as `{replacement.shown()}`")
            ctx.report(self, node, f"augmented assignment is not allowed: write `{replacement.shown()}`", safe)
            return
        target = node.target
        words = ""
        fix: Replacement | None = None
        if isinstance(target, cst.Subscript):
            site = Site(target, "augmented", node, node)
            words, fix = target_rewrite(site, lambda value: with_item(target, value, ctx), ctx)
        elif isinstance(target, cst.Attribute) and is_self(target.value, ctx) is None:
            site = Site(target, "augmented", node, node)
            words, fix = target_rewrite(site, lambda value: with_attribute(target, value, ctx), ctx)
        if not words:
            words = f"build a new value instead of changing `{elide(target, 40, target=True)}`"
        ctx.report(self, node, f"augmented assignment is not allowed: {words}", fix)
