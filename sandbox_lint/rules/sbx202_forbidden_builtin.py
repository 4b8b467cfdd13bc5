from __future__ import annotations

import libcst as cst

from ..tree import ROLE_ATTR, ROLE_BIND, ROLE_KEYWORD
from ..builtins import FORBIDDEN_BUILTINS
from .base import Context, Invalid, Rule
from .shared import folded


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
    No fix: each replacement depends on what the code meant.
    """

    code = "SBX202"
    name = "forbidden-builtin"
    summary = "this builtin is not available in the sandbox"
    category = "security"
    severity = "error"
    inspects = (cst.Name,)
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
            ctx.report(
                self,
                node,
                f"`{value}`{spelled} is the name of a forbidden builtin: pick another name, "
                f"e.g. `{value.strip('_')}_value`",
            )
            return
        if ctx.is_local(value):
            return  # a local already reported where it was bound
        ctx.report(self, node, f"`{value}`{spelled} is not available in the sandbox: {advice}")
