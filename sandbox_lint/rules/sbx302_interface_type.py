from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, Valid
from .suggestions import elide
from .shared import allowed_note, offending_part, type_problem


_HOST = 'import runtime\nenv = runtime.TaskEnvironment("e")\n'


class InterfaceType(Rule):
    """
    ## What it does
    Checks the types an orchestrator declares for its inputs and output:
    the annotations of a `@env.sandbox.orchestrator` function's signature,
    and the `inputs={"x": T}` values and `output=T` of
    `orchestrator_from_str(...)`. Each must be a boundary type: `int float
    str bool bytes None`, `list dict tuple` (bare or generic), `Optional[T]`,
    `Union[...]`, `A | B`, `File Dir DataFrame` (`typing.List` etc. accepted).

    ## Why is this bad?
    Declared inputs and outputs are where values cross into and out of the
    sandbox. The runtime validates them against the declared type; a type it
    cannot validate (a custom class, `Any`, `set`) would let arbitrary host
    objects in, or promise callers a result shape nobody checks.

    ## Example
    ```python
    @env.sandbox.orchestrator
    def pipeline(rows: list[Row]) -> Any:
        ...
    ```

    ## Use instead
    ```python
    @env.sandbox.orchestrator
    def pipeline(rows: list[dict[str, int]]) -> int:
        ...
    ```

    ## Fix safety
    No fix: the right boundary type depends on the data.
    """

    code = "SBX302"
    name = "interface-type"
    summary = "a declared input or output type is not allowed at the sandbox boundary"
    category = "types"
    inspects = (cst.Annotation,)
    VALID = [
        Valid(
            _HOST + "@env.sandbox.orchestrator\n"
            "def pipeline(xs: list[int], scale: float | None = None) -> int:\n    return len(xs)\n",
            host=True,
        ),
        Valid(_HOST + 't = env.sandbox.orchestrator_from_str("x + 1", inputs={"x": int}, output=int)\n', host=True),
        "def helper(x: int) -> int:\n    return x\n",
    ]
    INVALID = [
        Invalid(
            _HOST + "@env.sandbox.orchestrator\ndef pipeline(xs: set[int]) -> int:\n    return len(xs)\n",
            host=True,
            line=4,
            column=18,
        ),
        Invalid(_HOST + "@env.sandbox.orchestrator\ndef pipeline(xs: list[int]) -> Any:\n    return xs\n", host=True),
        Invalid(_HOST + 't = env.sandbox.orchestrator_from_str("x", inputs={"x": Row}, output=int)\n', host=True),
        Invalid(_HOST + 't = env.sandbox.orchestrator_from_str("1", inputs={}, output=set[int])\n', host=True),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Annotation
        if id(node) not in ctx.unit.declared:
            return  # an ordinary annotation: SBX301
        parent = ctx.parent
        what = f"input `{parent.name.value}`" if isinstance(parent, cst.Param) else "the output"
        self.check_declared(node.annotation, ctx, what)

    def check_declared_type(self, what: str, expression: cst.BaseExpression, ctx: Context) -> None:
        """The types code-string calls declare (`orchestrator_from_str(inputs=..., output=...)`)."""
        self.check_declared(expression, ctx, what)

    def check_declared(self, node: cst.BaseExpression, ctx: Context, what: str) -> None:
        """Report `node` (a declared input or output type) unless it is a boundary type."""
        problem = type_problem(node)
        if problem is None:
            return
        ctx.report(
            self,
            offending_part(problem, node),
            f"{what} is declared as `{elide(_unparenthesized(node))}`, but {problem}: "
            f"values crossing the sandbox boundary are validated against their declared type, so {allowed_note()}",
        )


def _unparenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    """The expression as written without its outer parentheses (for messages only)."""
    lpar = getattr(node, "lpar", None)
    return node.with_changes(lpar=[], rpar=[]) if lpar else node
