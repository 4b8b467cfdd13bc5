from __future__ import annotations

from ..units import Unreadable
from .base import Invalid, Rule


class ResourceLimit(Rule):
    """
    ## What it does
    Reports sources over the size limit (default 1,000,000 bytes), code
    nested deeper than the depth limit (default 200 syntax-tree levels, and
    CPython's own parser limits), and sources that would cost more to check
    than the work limit (default 80,000 units: a unit per token, plus each
    bracket's nesting depth; about 2,500 lines of ordinary code, far fewer of
    deeply nested literals), instead of crashing, hanging or exhausting the
    checker. Every check stays under about 2 seconds and 200 MB this way. In
    host files only the sandbox code counts, each orchestrator and code string
    on its own.

    ## Why is this bad?
    Generated code that is megabytes long or nested thousands of levels deep is
    a denial-of-service against every tool that reads it: parsers overflow
    their stacks, tree walks hit the recursion limit, and a syntax tree of
    deeply nested literals takes gigabytes (forty lines of 150-deep lists,
    12 KB, take libcst 3 s and 760 MB). No orchestration needs it.

    ## Example
    ```python
    x = ((((((((((((((((((((1))))))))))))))))))))  # ...thousands deep
    ```

    ## Use instead
    ```python
    step1 = 1
    x = step1
    ```

    ## Fix safety
    No fix. Limits are set with `[tool.sandbox-lint.limits]` (`max-bytes`,
    `max-depth`, `max-units`); the runtime gate uses its own (the defaults).
    """

    code = "SBX206"
    name = "resource-limit"
    summary = "source too large or nested too deeply to check"
    category = "security"
    severity = "error"
    VALID = ["x = (((1)))", "rows = [[1, 2], [3, 4]]\n" * 200]
    INVALID = [
        Invalid("".join(f"x{i} = {'[' * 150}1{']' * 150}\n" for i in range(40)), line=1),
        Invalid("x = " + "(" * 1000 + "1" + ")" * 1000 + "\n", line=1),
        Invalid("x = " + "+".join(["1"] * 5000) + "\n"),
    ]

    def explain(self, problem: Unreadable) -> str | None:
        if problem.kind == "too-large":
            return f"source is {problem.size:,} bytes, over the limit of {problem.limit:,}: split it into smaller programs"
        if problem.kind == "too-complex":
            return (
                f"too much to check in one program ({problem.detail}; tokens and bracket nesting count): "
                "split it into smaller programs, or flatten deeply nested literals into several assignments"
            )
        if problem.kind == "parse-limit":
            return f"nesting too deep to check ({problem.detail}): flatten the expression into several assignments"
        if problem.kind == "too-deep":
            return (
                f"code nested deeper than the limit of {problem.limit} levels: "
                "flatten it into helper functions or several assignments"
            )
        if problem.kind == "no-positions":
            return "nesting too deep to compute positions: flatten the code"
        return None
