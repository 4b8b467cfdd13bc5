from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, Valid
from .shared import STRINGS, Option, container_kind, int_literal, names_in, rebinding, without_item
from .suggestions import Code, elide, fmt, fresh_name, join, movable, operand, statement_place, statements


@dataclass(frozen=True)
class Plan:
    """The call without mutation: the value it gave (None: it gave None) and the
    container rebuilt, one option per kind it may be."""

    value: Code | None
    options: list[Option]
    noop: bool = False  # the call changes nothing (`d.update()`)


def _subscript(receiver: cst.BaseExpression, key: cst.BaseExpression) -> cst.Subscript:
    return cst.Subscript(receiver, [cst.SubscriptElement(cst.Index(key))])


def _update(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    parts: list[Code] = [fmt("**{}", r)]
    for arg in args:
        if arg.keyword is not None:
            parts.append(fmt(f'"{arg.keyword.value}": {{}}', arg.value))
        elif arg.star == "" and isinstance(arg.value, cst.Dict) and not arg.value.lpar:
            parts.extend(fmt("{}", element.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for element in arg.value.elements)
        elif arg.star in ("", "**"):
            parts.append(fmt("**{}", operand(arg.value)))
        else:
            return None
    if not args:
        return Plan(None, [], noop=True)
    return Plan(None, [Option("dict", fmt("{{{}}}", join(parts, ", ")))])


def _setdefault(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    if not args or any(arg.star or arg.keyword for arg in args):
        return None
    key = args[0].value
    default: cst.BaseExpression | str = args[1].value if len(args) > 1 else "None"
    return Plan(fmt("{}[{}]", r, key), [Option("dict", fmt("{{{}: {}, **{}}}", key, default, r))])


def _pop(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    if any(arg.star or arg.keyword for arg in args):
        return None
    if not args:
        return Plan(fmt("{}[-1]", r), [Option("list", fmt("{}[:-1]", r))])
    key = args[0].value
    options = without_item(_subscript(r, key), ctx)
    if len(args) > 1:
        return Plan(fmt("{}.get({}, {})", r, key, args[1].value), [o for o in options if o.kind == "dict"])
    return Plan(fmt("{}[{}]", r, key), options)


def _popitem(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    return Plan(fmt("list({}.items())[-1]", r), [Option("dict", fmt("dict(list({}.items())[:-1])", r))])


def _clear(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    kind = container_kind(r, ctx)
    options = [Option("list", fmt("[]")), Option("dict", fmt("{{}}"))]
    return Plan(None, [o for o in options if kind in (None, o.kind)])


def _insert(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    if len(args) != 2 or any(arg.star or arg.keyword for arg in args):
        return None
    index, value = args[0].value, args[1].value
    if int_literal(index) == 0:
        return Plan(None, [Option("list", fmt("[{}] + {}", value, r))])
    return Plan(None, [Option("list", fmt("{}[:{}] + [{}] + {}[{}:]", r, index, value, r, index))])


def _remove(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    if len(args) != 1 or args[0].star or args[0].keyword:
        return None
    item = fresh_name(ctx, "item", names_in(args[0].value) | names_in(r), local=True)
    return Plan(None, [Option("list", fmt(f"[{item} for {item} in {{}} if {item} != {{}}]", r, args[0].value))])


def _sort(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    if any(arg.keyword is None for arg in args):
        return None  # `sort` takes keywords only
    extra = [fmt(f"{arg.keyword.value}={{}}", arg.value) for arg in args if arg.keyword is not None]
    return Plan(None, [Option("list", fmt("sorted({})", join([fmt("{}", r), *extra], ", ")))])


def _reverse(r: cst.BaseExpression, args: Sequence[cst.Arg], ctx: Context) -> Plan | None:
    return Plan(None, [Option("list", fmt("{}[::-1]", r))])


# The containers that have each method.
_KINDS = {
    "update": ("dict",), "setdefault": ("dict",), "popitem": ("dict",), "pop": ("dict", "list"), "clear": ("dict", "list"),
    "insert": ("list",), "remove": ("list",), "sort": ("list",), "reverse": ("list",),
}

_PLANS: dict[str, Callable[[cst.BaseExpression, Sequence[cst.Arg], Context], Plan | None]] = {
    "update": _update,
    "setdefault": _setdefault,
    "pop": _pop,
    "popitem": _popitem,
    "clear": _clear,
    "insert": _insert,
    "remove": _remove,
    "sort": _sort,
    "reverse": _reverse,
}


class InPlaceMutation(Rule):
    """
    ## What it does
    Rejects calls to the methods that change a dict or list in place:
    `.update`, `.setdefault`, `.pop`, `.popitem`, `.clear`, `.insert`,
    `.remove`, `.sort` and `.reverse`. Adding to a list with `.append()` and
    `.extend()` stays allowed.

    ## Why is this bad?
    In-place changes reach every name that shares the value, so a helper can
    change its caller's data behind its back and a run's result depends on
    aliasing. Building new values keeps each value a snapshot, which keeps
    runs reproducible and replayable.

    ## Example
    ```python
    config.update(overrides)
    scores.sort()
    last = queue.pop()
    ```

    ## Use instead
    ```python
    config = {**config, **overrides}
    scores = sorted(scores)
    last = queue[-1]
    queue = queue[:-1]
    ```

    ## Fix safety
    No automatic fix: other names sharing the container keep the old value.
    Where the call is a statement of its own (`xs.sort()`) or the value of
    an assignment (`last = xs.pop()`), the rewrite the message names comes
    as a display fix, never applied by `--fix`: the value read first, then
    the container rebuilt, for the container's kind when the checker knows
    it (bound to a dict or list literal, comprehension, `dict(...)`,
    `list(...)` in its scope).
    """

    code = "SBX116"
    name = "in-place-mutation"
    summary = "in-place mutation is not allowed: build a new value (`{**a, **b}`, `sorted(xs)`, slicing)"
    inspects = (cst.Call,)
    suggests = True
    VALID = [
        "xs = []\nxs.append(1)\nxs.extend([2, 3])\nys = sorted(xs)\nzs = xs[::-1]\n",
        "a = {'x': 1}\nb = {'y': 2}\nc = {**a, **b}\nv = c.get('x')\nks = list(c.keys())\n",
        "parts = 'a,b'.split(',')\nname = ' x '.strip()\n",
    ]
    INVALID = [
        Invalid("config = {}\nconfig.update({'a': 1})\n", line=2, column=1),
        "xs = [3, 1]\nxs.sort(reverse=True)\n",
        "xs = [1, 2]\nlast = xs.pop()\n",
        "d = {'a': 1}\nv = d.pop('a', None)\n",
        "d = {}\nd.setdefault('k', [])\n",
        "def f(xs):\n    xs.insert(0, 1)\n    xs.remove(1)\n    xs.reverse()\n    return xs\n",
        "d = {}\nd.clear()\nd.popitem()\n",
        "rows = [[2, 1]]\nys = [r.sort() for r in rows]\n",
        "f = lambda d: d.update(x=1)\n",
        "report = load()\nreport.rows.sort()\n",
        "d = {'a': 1}\nk, v = d.popitem()\n",
        "xs = [1, 2]\nxs.clear()\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        func = node.func  # type: ignore[attr-defined]  # inspects only Call
        if type(func) is not cst.Attribute:
            return
        planner = _PLANS.get(func.attr.value)
        if planner is None:
            return
        assert type(node) is cst.Call
        receiver: cst.BaseExpression = func.value
        args: Sequence[cst.Arg] = node.args
        if isinstance(receiver, cst.Name) and receiver.value in ("dict", "list") and args and not args[0].star:
            receiver, args = args[0].value, args[1:]  # `dict.update(d, x)` is `d.update(x)`
        shown = elide(receiver, 40)
        head = f"`{elide(node)}` changes `{shown}` in place, which is not allowed"
        method = func.attr.value
        kind = container_kind(receiver, ctx)
        if kind is not None and kind not in _KINDS[method]:
            ctx.report(self, node, f"`{shown}` holds a {kind}, which has no `.{method}()`; {self.summary.split(': ', 1)[1]}")
            return
        plan = planner(receiver, args, ctx)
        if plan is not None and kind is not None:
            plan = Plan(plan.value, [o for o in plan.options if o.kind == kind], plan.noop)
        if plan is None:
            ctx.report(self, node, f"{head}: {self.summary.split(': ', 1)[1]}")
            return
        words, fix = _rewrite(node, receiver, plan, ctx)
        ctx.report(self, node, f"{head}: {words}", fix)


def _rewrite(call: cst.Call, receiver: cst.BaseExpression, plan: Plan, ctx: Context) -> tuple[str, Replacement | None]:
    """The words and, for a call that is a statement or an assignment's value, the display fix."""
    parent = ctx.parent
    statement: cst.BaseSmallStatement | None = None
    read: Code | None = None
    if isinstance(parent, cst.Expr) and parent.value is call:
        statement = parent
    elif isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1 and plan.value is not None:
        statement = parent
        read = fmt("{} = {}", parent.targets[0].target, plan.value)
    if plan.noop:
        if statement is not None and read is None:
            return "it changes nothing: remove it", Replacement(statement, "pass", "Remove the call", "display")
        return "it changes nothing: use the container as it is", None
    if not plan.options:
        return "build a new value instead (`{**a, **b}`, `sorted(xs)`, slicing)", None
    bound = [rebinding(receiver, option.value, ctx) for option in plan.options]
    if statement is None:
        what = f"`{plan.value.shown()}` reads the value; " if plan.value is not None else ""
        built = " or ".join(f"`{option.value.shown()}`" for option in plan.options)
        return f"{what}build the new value {built} in a statement of its own and bind it to a name", None
    steps = [read] if read is not None else []
    alternatives = []
    for number, (option, rebound) in enumerate(zip(plan.options, bound)):
        shown = "`, then `".join(step.shown() for step in [*steps, rebound.statement])
        label = f"for a {option.kind}, " if len(plan.options) > 1 else ""
        alternatives.append(f"{label}write `{shown}`" if number == 0 or not label else f"{label}`{shown}`")
    words = "; ".join(alternatives) + bound[0].note
    alone = statement_place(statement, ctx)
    fix: Replacement | None = None
    if alone is not None:
        code = statements([*steps, bound[0].statement], alone)
        if "\n" not in code.text or all(movable(node) for node in code.nodes()):
            fix = Replacement(statement, code.text, f"Rewrite as `{code.shown()}`", "display")
    return words, fix
