from __future__ import annotations

from collections.abc import Iterator

from ..units import HostFile
from .base import HostFinding, Invalid, Rule, Valid

_HOST = 'import runtime\nfrom runtime import sandbox\nenv = runtime.TaskEnvironment("e")\n'


class UncheckedCodeString(Rule):
    """
    ## What it does
    Reports a code-string call (`orchestrator_from_str(...)`,
    `orchestrate_local(...)`, Flyte's `env.sandbox.orchestrator("...")`) whose
    code the checker cannot know before it runs: an f-string, a call result,
    a parameter or another variable that is not a constant of the file.

    ## Why is this bad?
    A clean report should mean the sandbox code was checked. Code built at
    run time is only checked by the runtime gate, when the program runs: a
    mistake the linter could have shown in the editor surfaces later, in
    production, after the inputs were prepared. Saying so keeps a green
    report honest.

    ## Example
    ```python
    template = sandbox.orchestrator_from_str(f"add(x, {step})", inputs={"x": int}, tasks=[add])
    ```

    ## Use instead
    ```python
    template = sandbox.orchestrator_from_str("add(x, step)", inputs={"x": int, "step": int}, tasks=[add])
    ```

    Code that really is generated at run time (a code-mode agent, a
    template filled by a program) is checked by the runtime gate before it
    runs; mark the call `# noqa: SBX601` or ignore the rule for that file.

    ## Fix safety
    No fix: only the author knows where the code comes from.
    """

    code = "SBX601"
    name = "unchecked-code-string"
    summary = "this code string cannot be checked before it runs"
    category = "coverage"
    enforced_at_runtime = False
    VALID = [
        Valid(_HOST + 't = sandbox.orchestrator_from_str("x + 1", inputs={"x": int})\n', host=True),
        Valid(_HOST + 'CODE = """\nx + 1\n"""\nt = sandbox.orchestrator_from_str(CODE, inputs={"x": int})\n', host=True),
    ]
    INVALID = [
        Invalid(_HOST + 'n = 2\nt = sandbox.orchestrator_from_str(f"x + {n}", inputs={"x": int})\n', host=True, line=5, column=35),
        Invalid(_HOST + "def run(code: str) -> int:\n    return sandbox.orchestrate_local_sync(code)\n", host=True, line=5),
        Invalid(_HOST + 't = sandbox.orchestrator_from_str(open("x.py").read())\n', host=True),
    ]

    def check_host(self, host: HostFile) -> Iterator[HostFinding]:
        for dynamic in host.dynamic:
            yield HostFinding(
                dynamic.line,
                dynamic.column,
                dynamic.end_line,
                dynamic.end_column,
                f"the code passed to `{dynamic.function}` is {dynamic.reason}: the checker cannot see it "
                "before it runs (the runtime gate still checks it then); pass a string literal or a "
                "constant of this file to have it checked now",
            )
