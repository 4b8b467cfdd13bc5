from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule
from .suggestions import body_text, default_indent, reindent_safe


class TryStatement(Rule):
    """
    ## What it does
    Rejects `try` statements in every form: `try/except/else/finally` and
    `try/except*`.

    ## Why is this bad?
    Errors in sandbox code propagate to the controller, which knows which
    task failed, with which arguments, and can retry or report it. Catching
    them inside the sandbox hides failures, and a broad `except` also
    swallows the limits (time, memory, task calls) that keep runs safe.

    ## Example
    ```python
    try:
        result = train(data)
    except Exception:
        result = None
    ```

    ## Use instead
    ```python
    result = train(data)  # a failure reaches the controller
    ```

    ## Fix safety
    No automatic fix: dropping a handler changes what happens on failure.
    The rewrite the message names (the `try` body, then its `else` and
    `finally` bodies, dedented) comes as a display fix, never applied by
    `--fix`.
    """

    code = "SBX106"
    name = "try-statement"
    summary = "`try` is not allowed: errors propagate to the controller"
    owns = (cst.Try, cst.TryStar)
    suggests = True
    VALID = [
        "result = train([1, 2])\n",
        "def check(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x\n",
    ]
    INVALID = [
        Invalid("try:\n    x = 1\nexcept ValueError:\n    x = 2\n", line=1, column=1),
        "try:\n    x = 1\nfinally:\n    y = 2\n",
        "try:\n    x = 1\nexcept* ValueError:\n    x = 2\n",
        "def f():\n    try:\n        return 1\n    except Exception:\n        return 2\n    else:\n        return 3\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        if isinstance(node, cst.TryStar):
            construct = "`try`/`except*`"
        elif isinstance(node, cst.Try) and not node.handlers:
            construct = "`try`/`finally`"
        else:
            construct = "`try`/`except`"
        assert isinstance(node, (cst.Try, cst.TryStar))
        fix = None
        if reindent_safe(node, ctx):
            indent = default_indent(ctx)
            blocks = [node.body]
            if node.orelse is not None:
                blocks.append(node.orelse.body)
            if node.finalbody is not None:
                blocks.append(node.finalbody.body)
            parts = [text for text in (body_text(block, indent) for block in blocks) if text]
            fix = Replacement(node, "\n".join(parts) or "pass", "Keep the body of the `try` without its handlers", "display")
        ctx.report(
            self,
            node,
            f"{construct} is not allowed: errors propagate to the controller, which reports or retries "
            "them; keep the body without the `try`, and test conditions with `if` before an operation "
            "that may fail",
            fix,
        )
