from __future__ import annotations

from collections.abc import Iterator

from ..suppressions import Suppression
from .base import HostFinding, Invalid, Rule

_HOST = 'import runtime\nenv = runtime.TaskEnvironment("e")\n'


class NoqaIgnoredByGate(Rule):
    """
    ## What it does
    Notes, once for each suppressed finding, a `# noqa` on sandbox code that
    the runtime will still refuse: the runtime gate checks every program with
    every rule and ignores `# noqa`, so the comment quiets the linter and
    nothing else. The note names the finding it hides. A comment that lists
    this rule's code too (`# noqa: SBX103, SBX603`) acknowledges it.

    ## Why is this bad?
    A green lint run should mean the code will run. Code whose findings are
    suppressed in the editor or in CI is rejected as soon as it runs (the
    gate gives the same findings, ignoring the comment), after all the work
    of getting it there.

    ## Example
    ```python
    total += 1  # noqa: SBX103
    ```

    ## Use instead
    ```python
    total = total + 1
    ```

    ## Fix safety
    No fix: fix the finding the comment hides.

    How it works with CI: it is a finding like any other (exit code 1), with
    severity "information" in editors. To keep suppressions on sandbox code
    on purpose, say so once: `ignore = ["SBX603"]` in `[tool.sandbox-lint]`,
    or `--ignore SBX603`.
    """

    code = "SBX603"
    name = "noqa-ignored-by-gate"
    summary = "the runtime gate ignores this `# noqa`: the code will still be rejected"
    category = "coverage"
    severity = "information"
    enforced_at_runtime = False
    VALID = [
        "x = 1\nx += 1  # noqa: SBX103, SBX603\n",
        "x = 1\n",
    ]
    INVALID = [
        Invalid("x = 1  # noqa: SBX603\n", line=1),
        Invalid("x = 1\nx += 1  # noqa: SBX103\n", line=2, column=9),
        Invalid(
            _HOST + "@env.sandbox.orchestrator\ndef f(n: int) -> int:\n    n += 1  # noqa\n    return n\n",
            host=True,
            line=5,
        ),
    ]

    def check_noqa(self, suppression: Suppression) -> Iterator[HostFinding]:
        comment = suppression.comment
        overridden = suppression.overridden if suppression.enforced else ()
        if suppression.lists(self.code):
            if not overridden:
                yield HostFinding(
                    comment.line, comment.column, comment.line, comment.end_column,
                    f"`{self.code}` in this `# noqa` acknowledges nothing (no finding here is suppressed for the "
                    f"runtime to refuse): remove `{self.code}`",
                )
            return  # the comment says it knows
        for diagnostic in overridden:
            yield HostFinding(
                comment.line,
                comment.column,
                comment.line,
                comment.end_column,
                f"the runtime gate ignores `# noqa`: {diagnostic.code} here ({diagnostic.message}) will still be "
                "rejected when this code runs; fix it instead of suppressing it",
            )
