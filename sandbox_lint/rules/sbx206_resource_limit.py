from __future__ import annotations

from ..units import Unreadable
from .base import Invalid, Rule


class ResourceLimit(Rule):
    """
    ## What it does
    Reports sources over the size limit (default 1,000,000 bytes) and code
    nested deeper than the depth limit (default 200 syntax-tree levels, and
    CPython's own parser limits), instead of crashing or hanging the checker.

    ## Why is this bad?
    Generated code that is megabytes long or nested thousands of levels deep is
    a denial-of-service against every tool that reads it: parsers overflow
    their stacks, tree walks hit the recursion limit. No orchestration needs it.

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
    `max-depth`); the runtime gate uses its own.
    """

    code = "SBX206"
    name = "resource-limit"
    summary = "source too large or nested too deeply to check"
    category = "security"
    severity = "error"
    VALID = ["x = (((1)))"]
    INVALID = [
        Invalid("x = " + "(" * 1000 + "1" + ")" * 1000 + "\n", line=1),
        Invalid("x = " + "+".join(["1"] * 5000) + "\n"),
    ]

    def explain(self, problem: Unreadable) -> str | None:
        if problem.kind == "too-large":
            return f"source is {problem.size:,} bytes, over the limit of {problem.limit:,}: split it into smaller programs"
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
