from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, Valid
from .shared import allowed_note, offending_part, type_problem


class DisallowedTypeRule(Rule):
    """
    ## What it does
    Rejects annotations in sandbox code (local variables, helper parameters
    and returns) that use a type outside the boundary set: `int float str
    bool bytes None`, `list dict tuple` (bare or generic, `tuple[T, ...]`),
    `Optional[T]`, `Union[...]`, `A | B`, and the handles `File Dir
    DataFrame`. `typing.List/Dict/Tuple/Optional/Union` spellings are
    accepted too.

    ## Why is this bad?
    Only these types exist on both sides of the sandbox boundary: the runtime
    validates values against them and Monty's type checker reads them.
    Custom classes, dataclasses, pydantic models, `set`, `Any`, `Literal`,
    `Callable` or `object` name things the sandbox does not have, so the
    annotation is either wrong or promises a check that never happens.

    ## Example
    ```python
    def total(xs: set[int]) -> Any:
        return sum(xs)
    ```

    ## Use instead
    ```python
    def total(xs: list[int]) -> int:
        return sum(xs)
    ```

    ## Fix safety
    No fix: the right boundary type depends on the data.
    """

    code = "SBX301"
    name = "disallowed-type"
    summary = "this type is not allowed at the sandbox boundary"
    category = "types"
    inspects = (cst.Annotation,)
    VALID = [
        "def f(x: int, ys: list[str]) -> dict[str, int]:\n    return {}\n",
        "pair: tuple[int, ...] = (1, 2)\nmaybe: int | None = None\n",
        Valid("def f(x: 'Optional[int]') -> Union[int, str]:\n    return 1\n"),
    ]
    INVALID = [
        Invalid("def f(x: set[int]) -> int:\n    return 1\n", line=1, column=10),
        "def f(x) -> Any:\n    return x\n",
        "ys: list[Callable] = []",
        "def f(row: Row) -> int:\n    return 1\n",
        Invalid("def f(x: 'list[Foo]') -> int:\n    return 1\n", line=1, column=10),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Annotation
        if id(node) in ctx.unit.declared:
            return  # the orchestrator's declared interface: SBX302
        problem = type_problem(node.annotation)
        if problem is not None:
            ctx.report(self, offending_part(problem, node.annotation), f"{problem}: {allowed_note()}")
