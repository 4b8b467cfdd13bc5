from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, code_of
from .suggestions import elide, reindent_safe, splice


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
    No automatic fix. When the subject is a name (or an attribute of one)
    and every case is a literal, `None`/`True`/`False`, an `|` of those, or
    the final `case _:`, guards included, the `if`/`elif`/`else` chain the
    message starts comes as a display fix, never applied by `--fix`.
    Patterns that destructure or test types have no one-line equivalent.
    """

    code = "SBX113"
    name = "match-statement"
    summary = "`match` is not allowed: use `if/elif/else`"
    owns = (cst.Match,)
    suggests = True
    VALID = [
        "mode = 'fast'\nif mode == 'fast':\n    steps = 1\nelif mode == 'slow':\n    steps = 5\nelse:\n    steps = 10\n",
        "match = 3\ncase = match + 1\n",
    ]
    INVALID = [
        Invalid("match mode:\n    case 'fast':\n        steps = 1\n    case _:\n        steps = 10\n", line=1, column=1),
        "def f(point):\n    match point:\n        case (x, y):\n            return x + y\n",
        "match cmd:\n    case {'op': op}:\n        pass\n",
        "def f(mode):\n    match mode:\n        case 'a' | 'b' if mode:\n            return 1\n        case None:\n            return 2\n    return 3\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Match
        chain = _chain(node) if _plain_subject(node.subject) and reindent_safe(node, ctx) else None
        subject = elide(node.subject, 40)
        if chain is None:
            ctx.report(
                self,
                node,
                f"`match {subject}:` is not allowed: test the cases with `if`/`elif`/`else` on `{subject}` "
                "instead, unpacking values with plain assignments",
            )
            return
        first = chain.test
        fix = Replacement(node, splice(chain), "Rewrite as an `if`/`elif`/`else` chain", "display")
        ctx.report(
            self,
            node,
            f"`match {subject}:` is not allowed: write an `if`/`elif`/`else` chain instead, starting with "
            f"`if {elide(first, 60)}:`",
            fix,
        )


def _plain_subject(subject: cst.BaseExpression) -> bool:
    """A subject that may be read once per case: a name or an attribute chain of one."""
    while isinstance(subject, cst.Attribute):
        subject = subject.value
    return isinstance(subject, cst.Name)


def _test(subject: cst.BaseExpression, pattern: cst.MatchPattern) -> cst.BaseExpression | None:
    """The condition a simple pattern stands for (None: not simple)."""
    if isinstance(pattern, cst.MatchValue):
        return cst.Comparison(subject, [cst.ComparisonTarget(cst.Equal(), pattern.value)])
    if isinstance(pattern, cst.MatchSingleton):
        return cst.Comparison(subject, [cst.ComparisonTarget(cst.Is(), pattern.value)])
    if isinstance(pattern, cst.MatchOr):
        tests = [_test(subject, element.pattern) for element in pattern.patterns]
        if any(test is None for test in tests):
            return None
        result = tests[0]
        for test in tests[1:]:
            result = cst.BooleanOperation(result, cst.Or(), test)  # type: ignore[arg-type]
        return result
    return None


def _chain(node: cst.Match) -> cst.If | None:
    """The `if`/`elif`/`else` chain of a match whose cases are all simple."""
    subject = node.subject.with_changes(lpar=[], rpar=[]) if hasattr(node.subject, "lpar") else node.subject
    branches: list[tuple[cst.BaseExpression, cst.BaseSuite]] = []
    default: cst.BaseSuite | None = None
    for number, case in enumerate(node.cases):
        pattern = case.pattern
        if isinstance(pattern, cst.MatchAs) and pattern.pattern is None and pattern.name is None:
            if number != len(node.cases) - 1 or case.guard is not None:
                return None
            default = case.body
            continue
        test = _test(subject, pattern)
        if test is None:
            return None
        if case.guard is not None:
            guard = case.guard
            if isinstance(guard, (cst.BooleanOperation, cst.IfExp, cst.Lambda, cst.NamedExpr)) and not guard.lpar:
                guard = guard.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            if isinstance(test, cst.BooleanOperation):
                test = test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            test = cst.BooleanOperation(test, cst.And(), guard)
        branches.append((test, case.body))
    if not branches:
        return None
    orelse: cst.If | cst.Else | None = cst.Else(body=default) if default is not None else None
    for test, body in reversed(branches):
        orelse = cst.If(test=test, body=body, orelse=orelse)
    assert isinstance(orelse, cst.If)
    return orelse
