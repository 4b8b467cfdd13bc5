from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten


class MatchStatement(Rule):
    """
    ## What it does
    Rejects `match` statements (structural pattern matching).

    ## Why is this bad?
    Class patterns call `isinstance` and read `__match_args__`, mapping and
    sequence patterns call into the matched value's protocols: much hidden
    machinery for what orchestration code needs, a choice between values.
    `if/elif/else` says the same plainly.

    ## Example
    ```python
    match mode:
        case "fast":
            steps = 1
        case _:
            steps = 10
    ```

    ## Use instead
    ```python
    if mode == "fast":
        steps = 1
    else:
        steps = 10
    ```

    ## Fix safety
    No fix: patterns that destructure or test types have no one-line
    equivalent.
    """

    code = "SBX113"
    name = "match-statement"
    summary = "`match` is not allowed: use `if/elif/else`"
    owns = (cst.Match,)
    VALID = [
        "mode = 'fast'\nif mode == 'fast':\n    steps = 1\nelif mode == 'slow':\n    steps = 5\nelse:\n    steps = 10\n",
        "match = 3\ncase = match + 1\n",
    ]
    INVALID = [
        Invalid("match mode:\n    case 'fast':\n        steps = 1\n    case _:\n        steps = 10\n", line=1, column=1),
        "def f(point):\n    match point:\n        case (x, y):\n            return x + y\n",
        "match cmd:\n    case {'op': op}:\n        pass\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Match
        subject = shorten(code_of(node.subject), 40)
        ctx.report(
            self,
            node,
            f"`match {subject}:` is not allowed: write `if {subject} == ...:` / `elif {subject} == ...:` / "
            "`else:` instead, unpacking values with plain assignments",
        )
