from __future__ import annotations

from collections.abc import Iterator

from ..suppressions import Suppression
from .base import HostFinding, Invalid, Rule, Valid


class UnusedNoqa(Rule):
    """
    ## What it does
    Reports a `# noqa` comment that names a code no rule has (`# noqa:
    SBX999`, a typo), that names a known code with nothing to suppress on its
    line, or (on sandbox code) a bare `# noqa` that suppresses nothing. Codes
    of other tools in the same comment (`E501`, `F401`) are left alone, and so
    is a bare `# noqa` on host code, which is often meant for them.

    ## Why is this bad?
    A suppression that suppresses nothing is a claim about the code that is
    no longer true: the finding was fixed, or the code was mistyped and never
    worked. Either way it hides the next real finding on that line, and a
    reader trusts a check that is not there.

    ## Example
    ```python
    total = total + 1  # noqa: SBX103
    ```

    ## Use instead
    ```python
    total = total + 1
    ```

    ## Fix safety
    No fix: removing the comment is safe, but which part of it is stale is
    for the author to say.
    """

    code = "SBX602"
    name = "unused-noqa"
    summary = "this `# noqa` suppresses nothing"
    category = "coverage"
    enforced_at_runtime = False
    VALID = [
        "x = 1\nx += 1  # noqa: SBX103\n",
        "x = 1  # noqa: E501\n",
        "x = 1\nx += 1  # noqa\n",
    ]
    INVALID = [
        Invalid("x = 1  # noqa: SBX103\n", line=1, column=8),
        Invalid("x = 1\nx += 1  # noqa: SBX999\n", line=2),
        Invalid("x = 1  # noqa\n", line=1),
    ]

    def check_noqa(self, suppression: Suppression) -> Iterator[HostFinding]:
        if suppression.lists(self.code):
            return  # `# noqa: SBX602`: the comment is kept on purpose
        comment = suppression.comment
        where = (comment.line, comment.column, comment.line, comment.end_column)
        for code in suppression.unknown:
            yield HostFinding(*where, f"`# noqa: {code}` names no rule (codes are SBX101 to SBX900; `sandbox-lint rule --all` lists them): fix the code or remove it")
        for code in suppression.unused:
            yield HostFinding(*where, f"`# noqa: {code}` suppresses nothing on this line: remove `{code}` from the comment")
        if suppression.idle and suppression.enforced:
            yield HostFinding(*where, "this `# noqa` suppresses nothing on this line of sandbox code: remove it")
