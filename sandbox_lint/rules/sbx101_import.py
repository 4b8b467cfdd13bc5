from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, Valid


# `lazy import` (PEP 810) where this libcst version knows it.
_LAZY_IMPORT: tuple[type[cst.CSTNode], ...] = tuple(
    getattr(cst, name) for name in ("LazyImport", "LazyImportFrom") if hasattr(cst, name)
)


class ImportStatement(Rule):
    """
    ## What it does
    Rejects `import x` and `from x import y` anywhere in sandbox code, and
    their `lazy import` forms.

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
    owns = (cst.Import, cst.ImportFrom, *_LAZY_IMPORT)
    VALID = ["x = len([1, 2])", Valid("total = add(1, 2)", interface="def add(x: int, y: int) -> int: ...")]
    INVALID = [
        Invalid("import os", line=1, column=1),
        "from math import floor",
        "def f():\n    import json\n    return 1\n",
        "from . import sibling\n",
        *(["lazy import json\n", "lazy from os import path\n"] if _LAZY_IMPORT else []),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        lazy = "lazy " if isinstance(node, _LAZY_IMPORT) else ""
        names = getattr(node, "names", ())
        imported = "*" if isinstance(names, cst.ImportStar) else ", ".join(ctx_name(alias.name) for alias in names)
        if isinstance(node, cst.ImportFrom) or type(node).__name__ == "LazyImportFrom":
            module = getattr(node, "module", None)
            dots = "." * len(getattr(node, "relative", ()))
            statement = f"{lazy}from {dots}{ctx_name(module) if module is not None else ''} import {imported}"
        else:
            statement = f"{lazy}import {imported}"
        if len(statement) > 80:  # named in words: an import is never code to write back
            count = 1 if isinstance(names, cst.ImportStar) else len(names)
            statement = f"{lazy}import of {count} names"
        else:
            statement = f"`{statement}`"
        ctx.report(
            self,
            node,
            f"{statement} is not allowed: all available functions are provided directly; "
            "call the tasks and builtins by name",
        )


def ctx_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{ctx_name(node.value)}.{node.attr.value}"
    return "…"
