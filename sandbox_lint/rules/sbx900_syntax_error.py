from __future__ import annotations

from ..units import Unreadable
from .base import Invalid, Rule


class SyntaxErrorRule(Rule):
    """
    ## What it does
    Reports source that does not parse as Python, with the position of the
    error, instead of crashing.

    ## Why is this bad?
    Code that does not parse cannot run. Reporting it as a diagnostic keeps
    editors, CI and the generate → check → retry loop working on broken input.

    ## Example
    ```python
    total = (1 +
    ```

    ## Use instead
    ```python
    total = 1 + 2
    ```

    ## Fix safety
    No fix.
    """

    code = "SBX900"
    name = "syntax-error"
    severity = "error"
    summary = "the source does not parse"
    VALID = ["x = 1"]
    INVALID = [Invalid("x = (1 +\n", line=1), "def f(:\n    pass\n", "x = 'abc", "a\0b = 1"]

    def explain(self, problem: Unreadable) -> str | None:
        return f"syntax error: {problem.detail}" if problem.kind == "syntax" else None
