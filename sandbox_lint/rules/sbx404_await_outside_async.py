from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, Valid
from .suggestions import default_indent, elide, reindent_safe, splice


STUB = "async def fetch(url: str) -> str: ...\nurls: list[str]"


class AwaitOutsideAsync(Rule):
    """
    ## What it does
    Reports `await` inside a synchronous `def` or inside a `lambda`. `await`
    at the top level of a script is allowed: the script then runs as async
    code. Active when the interface is known.

    ## Why is this bad?
    Python only allows `await` in `async def`; Monty accepts the definition
    and fails when the function runs, after earlier tasks did their work.

    ## Example
    ```python
    def load(url):
        return await fetch(url)
    ```

    ## Use instead
    ```python
    async def load(url):
        return await fetch(url)
    ```

    ## Fix safety
    No automatic fix: making the function `async` changes every call site,
    which must then await it. The new header the message names comes as a
    display fix (the function made `async`), never applied by `--fix`.
    """

    code = "SBX404"
    name = "await-outside-async"
    summary = "`await` is only allowed inside `async def`"
    category = "names"
    inspects = (cst.Await,)
    suggests = True
    VALID = [
        Valid("async def load(url):\n    return await fetch(url)\n", interface=STUB),
        Valid("page = await fetch(urls[0])\n", interface=STUB),
        Valid("async def main():\n    pages = [await fetch(u) for u in urls]\n    return pages\n", interface=STUB),
    ]
    INVALID = [
        Invalid("def load(url):\n    return await fetch(url)\n", interface=STUB, line=2, column=12),
        Invalid("get = lambda u: await fetch(u)\n", interface=STUB),
        Invalid("async def outer():\n    def inner(u):\n        return await fetch(u)\n    return inner\n", interface=STUB),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        if ctx.interface is None:
            return
        for ancestor in reversed(ctx.ancestors):
            if isinstance(ancestor, cst.FunctionDef):
                if ancestor.asynchronous is not None:
                    return
                name = ancestor.name.value
                made_async = ancestor.with_changes(asynchronous=cst.Asynchronous())
                header = f"async def {name}({elide(ancestor.params, 50)}):"
                fix = None
                if reindent_safe(ancestor, ctx):
                    fix = Replacement(ancestor, splice(made_async, indent=default_indent(ctx)), f"Make `{name}` async", "display")
                ctx.report(
                    self,
                    node,
                    f"`{elide(node)}` is inside the sync function `{name}`: write `{header}` and `await` its calls",
                    fix,
                )
                return
            if isinstance(ancestor, cst.Lambda):
                ctx.report(
                    self,
                    node,
                    f"`{elide(node)}` is inside a lambda, which cannot be async: "
                    "write an `async def` helper and await it",
                )
                return
