from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, Valid
from .suggestions import elide
from .shared import allowed_note, offending_part, type_problem


_HOST = 'import runtime\nenv = runtime.TaskEnvironment("e")\n'
# Discovery only parses host files that define an orchestrator.
_ORCH = '@env.sandbox.orchestrator\ndef main() -> int:\n    return 1\n'


class TaskSignatureRule(Rule):
    """
    ## What it does
    Checks the signature of every task (`@env.task` function) in a host
    file: each parameter and the return must be annotated with a boundary
    type (`int float str bool bytes None`, `list dict tuple`, `Optional[T]`,
    `Union[...]`, `A | B`, `File Dir DataFrame`), and `*args`/`**kwargs` are
    not allowed.

    ## Why is this bad?
    Task arguments and results cross the sandbox boundary on every call. The
    runtime validates them against the task's annotations and the checker
    uses the signature to check calls (SBX403); an unannotated parameter or
    a variadic one leaves calls unchecked and lets any value through.

    ## Example
    ```python
    @env.task
    def add(x, y: int, *rest):
        return x + y
    ```

    ## Use instead
    ```python
    @env.task
    def add(x: int, y: int) -> int:
        return x + y
    ```

    ## Fix safety
    No fix: the types are the author's decision.
    """

    code = "SBX303"
    name = "task-signature"
    summary = "a task's parameters and return must be annotated with boundary types"
    category = "types"
    VALID = [
        Valid(_HOST + "@env.task\ndef add(x: int, y: int = 0) -> int:\n    return x + y\n" + _ORCH, host=True),
        Valid(
            _HOST + "@env.task\nasync def fetch(url: str, *, retries: int = 3) -> File | None:\n    return None\n" + _ORCH,
            host=True,
        ),
        "def add(x, y):\n    return x + y\n",
    ]
    INVALID = [
        Invalid(_HOST + "@env.task\ndef add(x, y: int) -> int:\n    return x + y\n" + _ORCH, host=True, line=4, column=9),
        Invalid(_HOST + "@env.task\ndef add(x: int, y: int):\n    return x + y\n" + _ORCH, host=True),
        Invalid(_HOST + "@env.task\ndef total(*xs: int) -> int:\n    return sum(xs)\n" + _ORCH, host=True),
        Invalid(_HOST + "@env.task\ndef load(path: str) -> Any:\n    return path\n" + _ORCH, host=True),
        Invalid(
            _HOST + "@env.task()\ndef keys(d: dict[str, int], **opts: int) -> set[str]:\n    return set(d)\n" + _ORCH,
            host=True,
        ),
    ]

    def check_task(self, node: cst.FunctionDef, ctx: Context) -> None:
        """Report every problem of one task's signature."""
        task = node.name.value
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            if param.annotation is None:
                ctx.report(
                    self,
                    param,
                    f"parameter `{name}` of task `{task}` has no type annotation: write `{name}: int` "
                    f"(or the type it takes); {allowed_note()}",
                )
            else:
                self._check_type(param.annotation.annotation, ctx, f"parameter `{name}` of task `{task}`")
        for star, variadic in (("*", params.star_arg), ("**", params.star_kwarg)):
            if isinstance(variadic, cst.Param):
                ctx.report(
                    self,
                    variadic,
                    f"task `{task}` takes `{star}{variadic.name.value}`: variadic parameters are not allowed in a "
                    f"task signature; declare each parameter, or take a `list`/`dict` parameter instead",
                )
        if node.returns is None:
            ctx.report(
                self,
                node.name,
                f"task `{task}` has no return annotation: add `-> int` (or the type it returns, `-> None` "
                f"when it returns nothing); {allowed_note()}",
            )
        else:
            self._check_type(node.returns.annotation, ctx, f"the return type of task `{task}`")

    def _check_type(self, expression: cst.BaseExpression, ctx: Context, what: str) -> None:
        problem = type_problem(expression)
        if problem is not None:
            ctx.report(
                self,
                offending_part(problem, expression),
                f"{what} is `{elide(expression)}`, but {problem}: {allowed_note()}",
            )
