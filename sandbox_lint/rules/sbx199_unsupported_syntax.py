from __future__ import annotations

import re

import libcst as cst

from .base import Context, Invalid, Replacement, Rule
from .suggestions import default_indent, reindent_safe, splice


_FRIENDLY = {
    "TypeAlias": "a `type` alias statement",
    "TypeParameters": "type parameters (`def f[T]`)",
    "TypeParam": "a type parameter",
    "TemplatedString": "a t-string",
    "Imaginary": "a complex literal",
    "Ellipsis": "the `...` literal",
    "StarredDictComp": "a starred dict comprehension",
}


def describe(node: cst.CSTNode) -> str:
    name = type(node).__name__
    if name in _FRIENDLY:
        return _FRIENDLY[name]
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
    return f"`{words}` syntax"


class UnsupportedSyntax(Rule):
    """
    ## What it does
    Rejects every construct that is not on the sandbox language's allow-list
    and that no more specific rule covers: type aliases and type parameters,
    t-strings, complex literals, the `...` literal, `async for`, a bare
    `raise`, and any syntax future Python versions add.

    ## Why is this bad?
    The checker is an allow-list: new syntax is denied until someone reviews
    what it does inside the sandbox. The interpreter may not support it, and
    unreviewed syntax is where escapes hide.

    ## Example
    ```python
    async for item in stream():
        handle(item)
    ```

    ## Use instead
    ```python
    for item in items:
        handle(item)
    ```

    ## Fix safety
    No automatic fix. Display fixes (shown, never applied by `--fix`) for the
    cases with a plain replacement: `async for` becomes `for` over the
    values, a bare `raise` a `raise RuntimeError(...)`, and the `...`
    literal `None`.
    """

    owns_unknown = True
    code = "SBX199"
    name = "unsupported-syntax"
    summary = "this construct is not part of the sandbox language"
    inspects = (cst.For, cst.CompFor, cst.Raise)
    suggests = True
    VALID = ["for x in [1, 2]:\n    pass\n", "raise ValueError('bad')", "y = [x for x in [1]]"]
    INVALID = [
        Invalid("z = 1j", line=1, column=5),
        "type Alias = int",
        "async def f(xs):\n    async for x in xs:\n        pass\n",
        "def f():\n    raise\n",
        "x = ...",
        "def f[T](x: int) -> int:\n    return x\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        if isinstance(node, cst.For):
            if node.asynchronous is not None:
                fix = None
                if reindent_safe(node, ctx):
                    text = splice(node.with_changes(asynchronous=None), indent=default_indent(ctx))
                    fix = Replacement(node, text, "Iterate with `for`", "display")
                ctx.report(self, node, "`async for` is not supported: iterate over a list with `for`", fix)
            return
        if isinstance(node, cst.CompFor):
            if node.asynchronous is not None:
                ctx.report(self, node, "`async for` in a comprehension is not supported: await the values first")
            return
        if isinstance(node, cst.Raise):
            if node.exc is None:
                replacement = 'raise RuntimeError("failed")'
                ctx.report(
                    self,
                    node,
                    f"a bare `raise` is not supported: raise an exception value, e.g. `{replacement}`",
                    Replacement(node, replacement, f"Write `{replacement}`", "display"),
                )
            return
        if isinstance(node, cst.Ellipsis):
            ctx.report(
                self, node, "the `...` literal is not part of the sandbox language: write `None`",
                Replacement(node, "None", "Write `None`", "display"),
            )
            return
        ctx.report(self, node, f"{describe(node)} is not part of the sandbox language")
