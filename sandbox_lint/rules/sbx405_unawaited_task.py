from __future__ import annotations

import libcst as cst

from ..builtins import RUNTIME_FUNCTIONS
from .base import Context, Invalid, Rule, Valid, code_of, shorten
from .shared import called_task, provided_call


STUB = "async def fetch(url: str) -> str: ...\ndef add(x: int, y: int) -> int: ...\nurls: list[str]"

_CONTAINERS = (cst.Element, cst.StarredElement, cst.List, cst.Tuple)


def consumer(call: cst.Call, ctx: Context) -> str | None:
    """How the value of a task call is used: None when that is fine, else "discarded" or "used"."""
    ancestors = ctx.ancestors
    child: cst.CSTNode = call
    index = len(ancestors) - 1
    while index >= 0:
        parent = ancestors[index]
        if isinstance(parent, cst.Await):
            return None
        if isinstance(parent, _CONTAINERS):
            pass
        elif isinstance(parent, (cst.ListComp, cst.GeneratorExp)) and parent.elt is child:
            pass
        elif isinstance(parent, cst.IfExp) and parent.test is not child:
            pass
        elif isinstance(parent, cst.Arg) and parent.value is child and index > 0:
            grand = ancestors[index - 1]
            if isinstance(grand, cst.Call) and provided_call(grand, ctx, RUNTIME_FUNCTIONS):
                return None
            return "used"
        elif isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is child:
            return None  # bound to a name: it may be awaited or gathered later
        elif isinstance(parent, cst.Expr):
            return "discarded"
        else:
            return "used"
        child = parent
        index -= 1
    return "used"


class UnawaitedTask(Rule):
    """
    ## What it does
    In async code (an `async def`, or a script that awaits at top level),
    reports a task call whose value is thrown away or used directly (in an
    operation, as an argument, in an f-string, in a `return`) instead of
    being awaited or passed to `gather(...)` / `map_task(...)`, directly or
    inside a list, tuple, `*` unpacking or comprehension. Sync task calls in
    sync code are fine. Active when the interface is known.

    Assigning the call to a name (`pending = fetch(u)`), alone or in a
    tuple, list or comprehension, is allowed: the awaitable may be awaited
    or gathered later (`await gather(*pending)`). Only the value escaping
    unawaited at the point of the call is reported.

    ## Why is this bad?
    In async code a task call returns an awaitable, not the task's result.
    Without `await` the result is lost (and the task may never run), or an
    awaitable object flows into arithmetic, strings or other tasks, failing
    far from the mistake.

    ## Example
    ```python
    async def main(urls):
        fetch(urls[0])
        return len(fetch(urls[1]))
    ```

    ## Use instead
    ```python
    async def main(urls):
        await fetch(urls[0])
        return len(await fetch(urls[1]))
    ```

    ## Fix safety
    No fix: whether to await each call in turn or gather them concurrently
    is a design choice.
    """

    code = "SBX405"
    name = "unawaited-task"
    summary = "a task call in async code must be awaited or passed to `gather`"
    category = "names"
    inspects = (cst.Call,)
    VALID = [
        Valid(
            "async def main():\n    pages = await gather(*[fetch(u) for u in urls])\n"
            "    first = await fetch(urls[0])\n    both = await gather(fetch(urls[0]), add(1, 2))\n"
            "    return [pages, first, both]\n",
            interface=STUB,
        ),
        Valid("async def main():\n    pending = [fetch(u) for u in urls]\n    return await gather(*pending)\n", interface=STUB),
        Valid("def main():\n    return add(1, 2) + 1\n", interface=STUB),
    ]
    INVALID = [
        Invalid("async def main():\n    fetch(urls[0])\n", interface=STUB, line=2, column=5),
        Invalid("async def main():\n    return len(fetch(urls[0]))\n", interface=STUB),
        Invalid("async def main():\n    total = add(1, 2) + 1\n    return total\n", interface=STUB),
        Invalid("page = await fetch(urls[0])\nprint(f'{fetch(urls[1])}')\n", interface=STUB),
        Invalid("async def main():\n    return fetch(urls[0])\n", interface=STUB),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Call
        if not ctx.in_async_code():
            return
        task = called_task(node, ctx)
        if task is None:
            return
        usage = consumer(node, ctx)
        if usage is None:
            return
        text = shorten(code_of(node))
        awaited = f"(await {text})" if isinstance(ctx.parent, (cst.Attribute, cst.Subscript)) else f"await {text}"
        if usage == "discarded":
            message = f"`{text}` is never awaited, so its result is lost: write `await {text}`"
        else:
            message = (
                f"`{text}` is used without `await`: in async code a task call gives an awaitable, not the "
                f"result; write `{awaited}`, or pass it to `gather(...)`"
            )
        ctx.report(self, node, message)
