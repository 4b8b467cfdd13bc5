from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, code_of, shorten
from .shared import operand


# What each set constructor becomes: frozensets are hashable, so a tuple keeps that.
_CONSTRUCTORS = {"set": ("list", "[]", "a list"), "frozenset": ("tuple", "()", "a tuple")}
_DEDUP = "to drop duplicates, write `list({x: None for x in xs})` (it keeps the first-seen order)"


def _as_list(node: cst.Set) -> str:
    return code_of(
        cst.List(
            elements=node.elements,
            lbracket=cst.LeftSquareBracket(whitespace_after=node.lbrace.whitespace_after),
            rbracket=cst.RightSquareBracket(whitespace_before=node.rbrace.whitespace_before),
        )
    )


def _as_list_comp(node: cst.SetComp) -> str:
    return code_of(
        cst.ListComp(
            elt=node.elt,
            for_in=node.for_in,
            lbracket=cst.LeftSquareBracket(whitespace_after=node.lbrace.whitespace_after),
            rbracket=cst.RightSquareBracket(whitespace_before=node.rbrace.whitespace_before),
        )
    )


def _dedup_comp(node: cst.SetComp) -> str:
    """The order-keeping, duplicate-free list the set comprehension meant."""
    as_dict = cst.DictComp(key=node.elt, value=cst.Name("None"), for_in=node.for_in)
    return f"list({code_of(as_dict)})"


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
            ctx.report(
                self,
                node,
                f"set literal `{shorten(code_of(node))}` is not allowed: use the list `{shorten(replacement)}` "
                f"(`x in xs` tests membership the same way); {_DEDUP}",
                _fix(node, replacement, f"Replace the set with the list `{shorten(replacement)}`"),
            )
        elif isinstance(node, cst.SetComp):
            replacement = _as_list_comp(node)
            ctx.report(
                self,
                node,
                f"set comprehension is not allowed: use the list comprehension `{shorten(replacement)}`, "
                f"or `{shorten(_dedup_comp(node))}` to drop duplicates (it keeps the first-seen order)",
                _fix(node, replacement, "Replace the set comprehension with a list comprehension"),
            )

    def _report_call(self, node: cst.Call, func: cst.Name, ctx: Context) -> None:
        constructor, empty, kind = _CONSTRUCTORS[func.value]
        fix: Replacement | None = None
        dedup = _DEDUP
        if not node.args:
            replacement = empty
            fix = Replacement(node, empty, f"Replace `{func.value}()` with `{empty}`", "unsafe")
        elif len(node.args) == 1 and node.args[0].keyword is None and node.args[0].star != "**":
            argument = node.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            replacement = f"{constructor}({code_of(argument)})"
            fix = Replacement(func, constructor, f"Call `{constructor}` instead of `{func.value}`", "unsafe")
            if not argument.star:
                items = operand(argument.value)
                dedup = f"to drop duplicates, write `{constructor}({{item: None for item in {shorten(items)}}})` (it keeps the first-seen order)"
        else:
            replacement = f"{constructor}(...)"
        ctx.report(
            self,
            node,
            f"`{shorten(code_of(node))}` builds a {func.value}, which is not allowed: use {kind}, "
            f"`{shorten(replacement)}`; {dedup}",
            fix,
        )
