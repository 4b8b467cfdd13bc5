from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, Valid, code_of, shorten


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
    No fix: making the function `async` changes every call site, which must
    then await it.
    """

    code = "SBX404"
    name = "await-outside-async"
    summary = "`await` is only allowed inside `async def`"
    category = "names"
    inspects = (cst.Await,)
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
                ctx.report(
                    self,
                    node,
                    f"`{shorten(code_of(node))}` is inside the sync function `{name}`: "
                    f"write `async def {name}(...)` and `await` its calls",
                )
                return
            if isinstance(ancestor, cst.Lambda):
                ctx.report(
                    self,
                    node,
                    f"`{shorten(code_of(node))}` is inside a lambda, which cannot be async: "
                    "write an `async def` helper and await it",
                )
                return
