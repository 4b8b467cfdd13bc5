from __future__ import annotations

import libcst as cst

from ..tree import ROLE_ATTR, ROLE_KEYWORD
from .base import Context, Invalid, Rule
from .shared import folded


def _suggestion(name: str) -> str:
    stripped = name.strip("_")
    return stripped if stripped and stripped.isidentifier() else "value"


class PrivateName(Rule):
    """
    ## What it does
    Rejects every identifier that starts with an underscore: variables,
    functions, parameters, keywords and attribute names (`_x`, `__class__`,
    `obj.__dict__`). The bare throwaway name `_` is allowed.

    ## Why is this bad?
    Dunder attributes are how Python sandboxes are escaped:
    `().__class__.__bases__[0].__subclasses__()` walks from any value to every
    class in the interpreter. Rejecting all underscore names closes that whole
    family without having to list the dangerous ones, and sandbox code has no
    privacy to express anyway.

    ## Example
    ```python
    kind = value.__class__.__name__
    _cache = {}
    ```

    ## Use instead
    ```python
    is_text = isinstance(value, str)
    cache = {}
    ```

    ## Fix safety
    No fix: renaming a name must rename all its uses, and a dunder access has
    no direct replacement.
    """

    code = "SBX201"
    name = "private-name"
    summary = "names starting with `_` are not allowed: dunder and private access is blocked in the sandbox"
    category = "security"
    severity = "error"
    inspects = (cst.Name,)
    VALID = [
        "for _ in range(3):\n    print('hi')\n",
        "name_ = 1\nvalue = name_ + 1\n",
        "first, _ = (1, 2)",
    ]
    INVALID = [
        Invalid("x = ().__class__.__bases__", line=1, column=8),
        "_total = 0",
        "def _helper(x):\n    return x\n",
        "def f(_x):\n    return 1\n",
        "y = dict(_k=1)",
        "n = [1].__len__()",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Name
        value = node.value
        if value[0] != "_":
            if value.isascii():
                return
            value = folded(value)
            if value[:1] != "_":
                return
        if value == "_":
            return
        role = ctx.roles.get(id(node))
        dunder = value.startswith("__") and value.endswith("__") and len(value) > 4
        if role == ROLE_ATTR:
            if dunder:
                message = (
                    f"attribute `{value}` is not allowed: dunder attribute access can reach the "
                    "interpreter's internals; work with the value itself (e.g. `isinstance(x, str)` "
                    "instead of `x.__class__`)"
                )
            else:
                message = f"attribute `{value}` is private: dunder and private attribute access is not allowed"
        elif role == ROLE_KEYWORD:
            message = (
                f"keyword `{value}` starts with `_`: dunder and private names are not allowed; "
                f"pass a dict instead, e.g. `{{'{value}': ...}}`"
            )
        elif dunder:
            message = f"`{value}` is a dunder name: dunder and private access is not allowed in the sandbox"
        else:
            message = (
                f"`{value}` starts with `_`: dunder and private names are not allowed; "
                f"rename it, e.g. `{_suggestion(value)}`"
            )
        ctx.report(self, node, message)
