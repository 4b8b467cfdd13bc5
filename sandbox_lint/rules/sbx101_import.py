from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .base import Rule, Valid

if TYPE_CHECKING:
    from ..engine import Context


class ImportStatement(Rule):
    """
    ## What it does
    Rejects `import x` and `from x import y` anywhere in sandbox code.

    ## Why is this bad?
    The sandbox has no modules: everything a program may call (tasks and the
    allowed builtins) is provided directly by name. An import would either fail
    at run time or, worse, reach host functionality the program must not see.

    ## Example
    ```python
    import math
    total = math.floor(x)
    ```

    ## Use instead
    ```python
    total = int(x)  # or call a task that does the work
    ```

    ## Fix safety
    No fix: which provided function replaces the import depends on intent.
    """

    code = "SBX101"
    name = "import"
    summary = "imports are not allowed: all available functions are provided directly"
    owns = (cst.Import, cst.ImportFrom)
    VALID = ["x = len([1, 2])", Valid("total = add(1, 2)", interface="def add(x: int, y: int) -> int: ...")]
    INVALID = ["import os", "from math import floor", "def f():\n    import json\n    return 1\n"]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        if isinstance(node, cst.Import):
            names = ", ".join(ctx_name(alias.name) for alias in node.names)
        else:
            assert isinstance(node, cst.ImportFrom)
            names = ctx_name(node.module) if node.module is not None else "."
        ctx.report(self, node, f"`import {names}` is not allowed: all available functions are provided directly; call the tasks and builtins by name")


def ctx_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{ctx_name(node.value)}.{node.attr.value}"
    return "…"
