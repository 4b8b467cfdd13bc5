from __future__ import annotations

import libcst as cst

from ..builtins import MAP_FUNCTIONS
from ..tree import ROLE_BIND
from .base import Context, Invalid, Replacement, Rule, Valid
from .suggestions import elide, fmt
from .shared import called_task, provided_call


STUB = "async def fetch(url: str) -> str: ...\ndef add(x: int, y: int) -> int: ...\nurls: list[str]"

_CONTAINERS = (cst.Element, cst.StarredElement, cst.List, cst.Tuple)
_GATHER = frozenset({"gather"})


def awaitable_call(node: cst.Call, ctx: Context) -> bool:
    """A call that gives an awaitable in async code: a task, `map_task(...)`, `flyte_map(...)`."""
    return called_task(node, ctx) is not None or provided_call(node, ctx, MAP_FUNCTIONS) is not None


def consumer(call: cst.CSTNode, ctx: Context) -> str | None:
    """How the value of a task call (or of a name holding one) is used: None
    when that is fine, else "discarded" or "used"."""
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
            if isinstance(grand, cst.Call) and provided_call(grand, ctx, _GATHER):
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
    reports a task call (or a `map_task(...)` / `flyte_map(...)`) whose value
    is thrown away or used directly (in an operation, as an argument, in an
    f-string, in a `return`) instead of being awaited or passed to
    `gather(...)`, directly or inside a list, tuple, `*` unpacking or
    comprehension. Sync task calls in sync code are fine. Active when the
    interface is known.

    Assigning the call to a name (`pending = fetch(u)`), alone or in a
    tuple, list or comprehension, is allowed: the awaitable may be awaited
    or gathered later (`await gather(*pending)`). A name assigned a task
    call directly (`score = fetch(u)`) and then used as a value in the same
    function (`add(total, score)`, `score + 1`, `return score`) is reported
    at the call, as Flyte's un-awaited style (`score = fetch(u)` gives the
    value there) would be written.

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
    No automatic fix: whether to await each call in turn or gather them
    concurrently is a design choice. The `await` the message names comes as
    a display fix, never applied by `--fix` (parenthesized where an
    attribute, an item or a call follows).
    """

    code = "SBX405"
    name = "unawaited-task"
    summary = "a task call in async code must be awaited or passed to `gather`"
    category = "names"
    inspects = (cst.Call, cst.Name)
    suggests = True
    VALID = [
        Valid(
            "async def main():\n    pages = await gather(*[fetch(u) for u in urls])\n"
            "    first = await fetch(urls[0])\n    both = await gather(fetch(urls[0]), add(1, 2))\n"
            "    return [pages, first, both]\n",
            interface=STUB,
        ),
        Valid("async def main():\n    pending = [fetch(u) for u in urls]\n    return await gather(*pending)\n", interface=STUB),
        Valid("async def main():\n    a = fetch(urls[0])\n    b = fetch(urls[1])\n    return await gather(a, b)\n", interface=STUB),
        Valid("async def main():\n    page = fetch(urls[0])\n    return len(await page)\n", interface=STUB),
        Valid("async def main():\n    return await flyte_map(\"fetch\", urls)\n", interface=STUB),
        Valid("def main():\n    return add(1, 2) + 1\n", interface=STUB),
    ]
    INVALID = [
        Invalid("async def main():\n    fetch(urls[0])\n", interface=STUB, line=2, column=5),
        Invalid("async def main():\n    return len(fetch(urls[0]))\n", interface=STUB),
        Invalid("async def main():\n    total = add(1, 2) + 1\n    return total\n", interface=STUB),
        Invalid("page = await fetch(urls[0])\nprint(f'{fetch(urls[1])}')\n", interface=STUB),
        Invalid("async def main():\n    return fetch(urls[0])\n", interface=STUB),
        Invalid("async def main():\n    return flyte_map(\"fetch\", urls)\n", interface=STUB),
        Invalid("async def main():\n    total = 0\n    n = add(1, 2)\n    return add(total, n)\n", interface=STUB, line=3, column=9),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        if type(node) is cst.Name:
            self._name(node, ctx)
            return
        assert type(node) is cst.Call
        if not ctx.in_async_code() or not awaitable_call(node, ctx):
            return
        usage = consumer(node, ctx)
        if usage is None:
            return
        text = elide(node)
        parent = ctx.parent
        trailer = isinstance(parent, (cst.Attribute, cst.Subscript)) or (isinstance(parent, cst.Call) and parent.func is node)
        awaited = fmt("(await {})" if trailer else "await {}", node)
        fix = Replacement(node, awaited.text, f"Write `{awaited.shown()}`", "display")
        if usage == "discarded":
            message = f"`{text}` is never awaited, so its result is lost: write `{awaited.shown()}`"
        else:
            message = (
                f"`{text}` is used without `await`: in async code a task call gives an awaitable, not the "
                f"result; write `{awaited.shown()}`, or pass it to `gather(...)`"
            )
        ctx.report(self, node, message, fix)

    def _name(self, node: cst.Name, ctx: Context) -> None:
        """Names assigned an un-awaited task call, then read as values in the same function.
        Runs on every name: the common case (no such assignment seen) costs a lookup."""
        role = ctx.roles.get(id(node))
        held: dict[tuple[int, str], cst.Call] = ctx.state(self, dict)
        if role == ROLE_BIND:
            call = _assigned_call(node, ctx)
            if call is not None and ctx.interface is not None and ctx.in_async_code() and awaitable_call(call, ctx):
                held[(id(ctx.enclosing_function()), node.value)] = call
            elif held:
                held.pop((id(ctx.enclosing_function()), node.value), None)  # rebound to something else
            return
        if role is not None or not held:
            return  # an attribute name or a keyword is not a read
        key = (id(ctx.enclosing_function()), node.value)
        call = held.get(key)
        if call is None or any(a is call for a in ctx.ancestors) or consumer(node, ctx) != "used":
            return  # (a read inside the assigned call itself is the name's previous value)
        del held[key]  # one report per assignment
        text = elide(call)
        use = next(
            (a for a in reversed(ctx.ancestors) if isinstance(a, (cst.BaseExpression, cst.BaseSmallStatement))), node
        )
        if isinstance(use, cst.BaseSmallStatement):
            use = use.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        awaited = fmt("await {}", call)
        ctx.report(
            self,
            call,
            f"`{node.value} = {text}` keeps an awaitable, not the result, and `{node.value}` is then used as a "
            f"value (in `{elide(use, 40)}`): in async code a task call gives an awaitable; "
            f"write `{node.value} = {awaited.shown()}`",
            Replacement(call, awaited.text, f"Write `{node.value} = {awaited.shown()}`", "display"),
        )


def _assigned_call(name: cst.Name, ctx: Context) -> cst.Call | None:
    """The call assigned to `name` when the statement is `name = call(...)` (or `name: T = call(...)`)."""
    ancestors = ctx.ancestors
    if len(ancestors) >= 2 and isinstance(ancestors[-1], cst.AssignTarget) and ancestors[-1].target is name:
        statement = ancestors[-2]
        if isinstance(statement, cst.Assign) and isinstance(statement.value, cst.Call):
            return statement.value
    if ancestors and isinstance(ancestors[-1], cst.AnnAssign) and ancestors[-1].target is name:
        value = ancestors[-1].value
        if isinstance(value, cst.Call):
            return value
    return None
