from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten


class WithStatement(Rule):
    """
    ## What it does
    Rejects `with` and `async with` statements.

    ## Why is this bad?
    Context managers exist to acquire and release resources: files, locks,
    connections. The sandbox has none of them — tasks handle resources on the
    host — so a `with` block either fails or hides calls to `__enter__` and
    `__exit__` that run at surprising times.

    ## Example
    ```python
    with open_session() as session:
        result = run_query(session)
    ```

    ## Use instead
    ```python
    session = open_session()
    result = run_query(session)
    ```

    ## Fix safety
    No fix: the body has to be dedented, and `__exit__` behaviour dropped.
    """

    code = "SBX105"
    name = "with-statement"
    summary = "`with` is not allowed: there are no resources to manage in the sandbox"
    owns = (cst.With,)
    VALID = [
        "session = open_session()\nresult = run_query(session)\n",
        "async def f():\n    value = await fetch()\n    return value\n",
    ]
    INVALID = [
        Invalid("with open_session() as s:\n    x = s\n", line=1, column=1),
        "with lock:\n    pass\n",
        "async def f():\n    async with connect() as c:\n        return c\n",
        "def g():\n    with a() as x, b() as y:\n        return [x, y]\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.With
        keyword = "async with" if node.asynchronous is not None else "with"
        rewrites = []
        for item in node.items:
            value = shorten(code_of(item.item), 40)
            if item.asname is not None:
                rewrites.append(f"`{shorten(code_of(item.asname.name), 30)} = {value}`")
        if rewrites:
            instead = f"write {' and '.join(rewrites)}, then the body without the `{keyword}` line"
        else:
            instead = f"remove the `{keyword}` line and dedent its body"
        ctx.report(
            self,
            node,
            f"`{keyword}` is not allowed: there are no resources to manage in the sandbox; {instead}",
        )
