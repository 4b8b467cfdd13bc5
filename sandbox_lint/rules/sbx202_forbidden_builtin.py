from __future__ import annotations

import libcst as cst

from ..tree import ROLE_ATTR, ROLE_BIND, ROLE_KEYWORD
from ..builtins import FORBIDDEN_BUILTINS
from .base import Context, Invalid, Replacement, Rule
from .shared import clean, folded, is_introspection
from .suggestions import Code, fmt, fresh_name, is_bindable, operand


class ForbiddenBuiltin(Rule):
    """
    ## What it does
    Rejects the builtins the sandbox never provides: `eval exec compile open
    input breakpoint help globals locals vars dir getattr setattr delattr
    hasattr type object super id memoryview bytearray __import__ exit quit
    property classmethod staticmethod iter next`. Both uses (`type(x)`) and
    definitions of these names (`type = "a"`, `def iter(): ...`) are
    reported; attribute names (`row.type`) and call keywords (`f(type=1)`)
    are fine. Names spelled with look-alike Unicode letters (`ｅｖａｌ`) are
    judged by the name Python folds them to.

    ## Why is this bad?
    These builtins evaluate code, reach the file system or the console,
    introspect or mutate objects by name, or walk the type hierarchy: each is
    a known way out of a Python sandbox, or a way to make a program's
    behaviour depend on interpreter internals. Rebinding one of the names
    makes code that reads like a forbidden call.

    ## Example
    ```python
    if type(x) == int:
        value = getattr(row, "total")
    ```

    ## Use instead
    ```python
    if isinstance(x, int):
        value = row.total
    ```

    ## Fix safety
    No automatic fix: each replacement depends on what the code meant.
    Where the call's own arguments say what to write, the message names it
    and a display fix carries it, never applied by `--fix`:
    `getattr(obj, "name")` is `obj.name`, `hasattr(d, "k")` is `"k" in d`,
    `type(x) == int` is `isinstance(x, int)`, `setattr(d, "k", v)` is
    `d = {**d, "k": v}`, `iter(xs)` is `xs`, `next(xs)` is `xs[0]` and
    `dir(d)` is `list(d)`. Renaming a definition that takes a forbidden name
    (`type = "a"`) is a display fix too; its uses keep their own finding.
    """

    code = "SBX202"
    name = "forbidden-builtin"
    summary = "this builtin is not available in the sandbox"
    category = "security"
    severity = "error"
    inspects = (cst.Name,)
    suggests = True
    VALID = [
        "ok = isinstance(1, int)",
        "row = {'type': 'a'}\nkind = row['type']\n",
        "d = dict(type=1, id=2)",
        "total = 0\nfor x in [1, 2]:\n    total = total + x\n",
    ]
    INVALID = [
        Invalid("x = eval('1 + 1')", line=1, column=5),
        "kind = type(3)",
        "v = getattr(obj, 'name')",
        "it = iter([1, 2])\nfirst = next(it)\n",
        "type = 'a'",
        "def open(path):\n    return path\n",
        "ｅｖａｌ('1')",
        "f = exec",
        "if type(x) == int:\n    y = 1\n",
        "row = {'a': 1}\nok = hasattr(row, 'a')\n",
        "obj = {}\nv = getattr(obj, '__class__')\n",
        "d = {}\nsetattr(d, 'k', 1)\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Name
        value = node.value
        if not value.isascii():
            value = folded(value)
        advice = FORBIDDEN_BUILTINS.get(value)
        if advice is None:
            return
        role = ctx.roles.get(id(node))
        if role == ROLE_ATTR or role == ROLE_KEYWORD:
            return
        spelled = "" if value == node.value else f" (written `{node.value}`)"
        if role == ROLE_BIND:
            new = fresh_name(ctx, f"{value.strip('_')}_value")
            ctx.report(
                self,
                node,
                f"`{value}`{spelled} is the name of a forbidden builtin: pick another name, e.g. `{new}`",
                Replacement(node, new, f"Rename to `{new}`", "display"),
            )
            return
        if ctx.is_local(value):
            return  # a local already reported where it was bound
        instead = _instead(value, node, ctx)
        if instead is None:
            ctx.report(self, node, f"`{value}`{spelled} is not available in the sandbox: {advice}")
            return
        target, code, words = instead
        ctx.report(
            self,
            node,
            f"`{value}`{spelled} is not available in the sandbox: {words} `{code.shown()}`",
            Replacement(target, code.text, f"Write `{code.shown()}`", "display"),
        )


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _instead(name: str, node: cst.Name, ctx: Context) -> tuple[cst.CSTNode, Code, str] | None:
    """What to write for a forbidden call when its arguments say it: the node to
    replace, the code, and the words before it."""
    call = ctx.parent
    if not isinstance(call, cst.Call) or call.func is not node:
        return None
    args = call.args
    if any(arg.star or arg.keyword for arg in args) or not all(clean(arg.value, ctx) for arg in args):
        return None
    values = [arg.value for arg in args]
    if name == "getattr" and len(values) == 2:
        attr = _string(values[1])
        if attr is not None and is_bindable(attr, ctx) and "_" not in attr[:1] and not is_introspection(attr):
            return call, fmt(f"{{}}.{attr}", operand(values[0])), "read the attribute directly:"
        return None
    if name == "hasattr" and len(values) == 2:
        return call, fmt("{} in {}", values[1], operand(values[0])), "keep the data in a dict and test"
    if name == "setattr" and len(values) == 3 and isinstance(values[0], cst.Name):
        statement = ctx.ancestors[-2] if len(ctx.ancestors) >= 2 else None
        if isinstance(statement, cst.Expr) and statement.value is call:
            code = fmt("{} = {{**{}, {}: {}}}", values[0], values[0], values[1], values[2])
            return statement, code, "objects cannot be mutated: build a new dict,"
        return None
    if name == "type" and len(values) == 1:
        comparison = ctx.ancestors[-2] if len(ctx.ancestors) >= 2 else None
        if (
            isinstance(comparison, cst.Comparison) and comparison.left is call and len(comparison.comparisons) == 1
            and isinstance(comparison.comparisons[0].operator, (cst.Equal, cst.Is, cst.NotEqual, cst.IsNot))
            and isinstance(comparison.comparisons[0].comparator, cst.Name)
        ):
            negate = isinstance(comparison.comparisons[0].operator, (cst.NotEqual, cst.IsNot))
            code = fmt(("not " if negate else "") + "isinstance({}, {})", values[0], comparison.comparisons[0].comparator)
            if comparison.lpar or not negate:
                return comparison, code, "test the type with"
            return comparison, fmt("({})", code), "test the type with"
        return None
    if name == "iter" and len(values) == 1:
        return call, fmt("{}", values[0]), "loop over the value itself:"
    if name == "next" and len(values) == 1:
        return call, fmt("{}[0]", operand(values[0])), "take the first item with"
    if name == "dir" and len(values) == 1:
        return call, fmt("list({})", values[0]), "keep data in dicts and list their keys with"
    return None


