from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, code_of
from .shared import names_in
from .suggestions import elide, fmt, fresh_name, operand


# What each set constructor becomes: frozensets are hashable, so a tuple keeps that.
_CONSTRUCTORS = {"set": ("list", "[]", "a list"), "frozenset": ("tuple", "()", "a tuple")}


def _as_list(node: cst.Set) -> cst.List:
    return (
        cst.List(
            elements=node.elements,
            lbracket=cst.LeftSquareBracket(whitespace_after=node.lbrace.whitespace_after),
            rbracket=cst.RightSquareBracket(whitespace_before=node.rbrace.whitespace_before),
        )
    )


def _as_list_comp(node: cst.SetComp) -> cst.ListComp:
    return (
        cst.ListComp(
            elt=node.elt,
            for_in=node.for_in,
            lbracket=cst.LeftSquareBracket(whitespace_after=node.lbrace.whitespace_after),
            rbracket=cst.RightSquareBracket(whitespace_before=node.rbrace.whitespace_before),
        )
    )


def _dedup_comp(node: cst.SetComp) -> cst.Call:
    """The order-keeping, duplicate-free list the set comprehension meant."""
    as_dict = cst.DictComp(key=node.elt, value=cst.Name("None"), for_in=node.for_in)
    return cst.Call(func=cst.Name("list"), args=[cst.Arg(as_dict)])


def _fix(node: cst.CSTNode, code: str, message: str) -> Replacement | None:
    # Multi-line replacements are re-indented by the engine, which would shift
    # the lines inside brackets and change multi-line strings: no fix there.
    if "\n" in code:
        return None
    return Replacement(node, code, message, "unsafe")


class SetLiteral(Rule):
    """
    ## What it does
    Rejects set literals (`{1, 2}`), set comprehensions (`{x for x in xs}`),
    and calls to `set(...)` and `frozenset(...)` (unless the program binds
    those names itself).

    ## Why is this bad?
    Iterating a set visits its items in an order that depends on hashing, so
    a loop over a set can call tasks in a different order from one run to
    the next, which breaks deterministic re-runs and replay. Lists keep the
    order the code wrote.

    ## Example
    ```python
    regions = {"eu", "us"}
    unique = {row["region"] for row in rows}
    ```

    ## Use instead
    ```python
    regions = ["eu", "us"]
    unique = list({row["region"]: None for row in rows})  # ordered, no duplicates
    ```

    ## Fix safety
    Unsafe. `{1, 2}` becomes `[1, 2]`, `{x for x in y}` becomes
    `[x for x in y]`, `set()` becomes `[]`, `set(xs)` becomes `list(xs)`, and
    `frozenset(...)` becomes `tuple(...)` (a frozenset is hashable; a tuple
    keeps that). A list keeps duplicates a set would drop (`len`, loops and
    equality change), `==` between a list and a set is always false, and
    membership tests take longer on long lists. Review each fixed line. Calls
    with keyword or several arguments, and literals spanning several lines,
    get no fix.
    """

    code = "SBX110"
    name = "set-literal"
    summary = "sets are not allowed: use lists"
    owns = (cst.Set, cst.SetComp)
    inspects = (cst.Call,)
    fixable = "unsafe"
    VALID = [
        "regions = ['eu', 'us']\nunique = list({r: None for r in regions})\nempty = {}\n",
        "def set(items):\n    return items\n\nx = set([1, 2])\n",
        "def f(frozenset):\n    return frozenset(1)\n",
        "ok = 'a' in ['a', 'b']\nd = {'a': {'b': 1}}\n",
    ]
    INVALID = [
        Invalid("xs = {1, 2}\n", fixed="xs = [1, 2]\n", unsafe=True, line=1, column=6),
        Invalid("ys = {x * 2 for x in [1, 2]}\n", fixed="ys = [x * 2 for x in [1, 2]]\n", unsafe=True),
        Invalid("s = set()\n", fixed="s = []\n", unsafe=True),
        Invalid("s = set([1, 1])\n", fixed="s = list([1, 1])\n", unsafe=True),
        Invalid("f = frozenset(['a'])\ng = frozenset()\n", fixed="f = tuple(['a'])\ng = ()\n", unsafe=True),
        Invalid("ok = 'a' in {'a', 'b'}\n", fixed="ok = 'a' in ['a', 'b']\n", unsafe=True),
        Invalid("def f(xs):\n    return [{x} for x in xs]\n", fixed="def f(xs):\n    return [[x] for x in xs]\n", unsafe=True),
        Invalid("g = lambda xs: {*xs, 1}\n", fixed="g = lambda xs: [*xs, 1]\n", unsafe=True),
        "s = set(iterable=[1])\n",
        "def f():\n    xs = {\n        'a',\n        'b',\n    }\n    return xs\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        kind = type(node)
        if kind is cst.Call:  # the common case, kept cheap: exact type checks only
            func = node.func  # type: ignore[attr-defined]
            if type(func) is cst.Name and func.value in _CONSTRUCTORS and not ctx.is_local(func.value):
                self._report_call(node, func, ctx)  # type: ignore[arg-type]
        elif isinstance(node, cst.Set):
            replacement = _as_list(node)
            shown = elide(replacement)
            ctx.report(
                self,
                node,
                f"set literal `{elide(node)}` is not allowed: use the list `{shown}` "
                f"(`x in xs` tests membership the same way); {_dedup(ctx, replacement)}",
                _fix(node, code_of(replacement), f"Replace the set with the list `{shown}`"),
            )
        elif isinstance(node, cst.SetComp):
            comprehension = _as_list_comp(node)
            ctx.report(
                self,
                node,
                f"set comprehension is not allowed: use the list comprehension `{elide(comprehension)}`, "
                f"or `{elide(_dedup_comp(node))}` to drop duplicates (it keeps the first-seen order)",
                _fix(node, code_of(comprehension), "Replace the set comprehension with a list comprehension"),
            )

    def _report_call(self, node: cst.Call, func: cst.Name, ctx: Context) -> None:
        constructor, empty, kind = _CONSTRUCTORS[func.value]
        fix: Replacement | None = None
        dedup = ""
        if not node.args:
            replacement = empty
            fix = Replacement(node, empty, f"Replace `{func.value}()` with `{empty}`", "unsafe")
        elif len(node.args) == 1 and node.args[0].keyword is None and node.args[0].star != "**":
            argument = node.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            replacement = fmt(f"{constructor}({{}})", argument).shown()
            fix = Replacement(func, constructor, f"Call `{constructor}` instead of `{func.value}`", "unsafe")
            if not argument.star:
                dedup = _dedup(ctx, argument.value, constructor)
        else:
            replacement = ""
        instead = f"`{replacement}`" if replacement else f"`{constructor}` of the items"
        ctx.report(
            self,
            node,
            f"`{elide(node)}` builds a {func.value}, which is not allowed: use {kind}, {instead}"
            + (f"; {dedup}" if dedup else ""),
            fix,
        )


def _dedup(ctx: Context, items: cst.BaseExpression, constructor: str = "list") -> str:
    """How to drop duplicates from `items` in order: a dict's keys."""
    x = fresh_name(ctx, "x", names_in(items), local=True)
    code = fmt(f"{constructor}({{{{{x}: None for {x} in {{}}}}}})", operand(items))
    return f"to drop duplicates, write `{code.shown()}` (it keeps the first-seen order)"
