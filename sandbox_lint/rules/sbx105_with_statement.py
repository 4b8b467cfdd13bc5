from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, Valid
from .shared import clean
from .suggestions import Code, body_text, default_indent, elide, fmt, reindent_safe


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
    No automatic fix: whatever `__exit__` did is dropped. The rewrite the
    message names (the `as` names assigned, the body dedented) comes as a
    display fix, never applied by `--fix`. When the managed value is itself
    something the sandbox cannot compute (`open(...)`, a private name), the
    message says so instead of suggesting an assignment that would be
    rejected in turn.
    """

    code = "SBX105"
    name = "with-statement"
    summary = "`with` is not allowed: there are no resources to manage in the sandbox"
    owns = (cst.With,)
    suggests = True
    VALID = [
        "session = open_session()\nresult = run_query(session)\n",
        "async def f():\n    value = await fetch()\n    return value\n",
    ]
    INVALID = [
        Invalid("with open_session() as s:\n    x = s\n", line=1, column=1),
        "with lock:\n    pass\n",
        "async def f():\n    async with connect() as c:\n        return c\n",
        "def g():\n    with a() as x, b() as y:\n        return [x, y]\n",
        "with open('x') as f:\n    data = f\n",
        "def g(path):\n    with open(path) as f:\n        return f\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.With
        keyword = "async with" if node.asynchronous is not None else "with"
        head = f"`{keyword}` is not allowed: there are no resources to manage in the sandbox"
        for item in node.items:
            if not clean(item.item, ctx):
                ctx.report(
                    self,
                    node,
                    f"{head}, and `{elide(item.item, 40)}` cannot run there either: pass the value in as an input "
                    f"or get it from a task, then write the body without the `{keyword}` line",
                )
                return
        steps: list[Code] = []
        kept = True
        for item in node.items:
            if item.asname is not None:
                name = item.asname.name
                if not _plain_target(name):
                    kept = False
                steps.append(fmt("{} = {}", name, item.item))
            elif isinstance(item.item, cst.Call):
                steps.append(fmt("{}", item.item))  # the call may matter; the value is not kept
        if steps:
            shown = "`, `".join(step.shown() for step in steps)
            instead = f"write `{shown}`, then the body without the `{keyword}` line"
        else:
            instead = f"remove the `{keyword}` line and dedent its body"
        fix = None
        body = body_text(node.body, default_indent(ctx))
        if kept and reindent_safe(node, ctx):
            code = "\n".join([*(step.text for step in steps), *([body] if body else [])]) or "pass"
            fix = Replacement(node, code, f"Replace the `{keyword}` block by its body", "display")
        ctx.report(self, node, f"{head}; {instead}", fix)


def _plain_target(target: cst.BaseExpression) -> bool:
    """A name, or a tuple or list of names: assigning it brings no finding."""
    if isinstance(target, cst.Name):
        return True
    if isinstance(target, (cst.Tuple, cst.List)):
        return all(_plain_target(element.value) for element in target.elements)
    if isinstance(target, cst.StarredElement):
        return _plain_target(target.value)
    return False
