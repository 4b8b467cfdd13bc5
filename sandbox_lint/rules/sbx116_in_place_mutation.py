from __future__ import annotations

from typing import Callable, Sequence

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten
from .shared import STRINGS, operand


def _int_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer)


def _arg(arg: cst.Arg) -> str:
    return code_of(arg.value)


def _update(r: str, args: Sequence[cst.Arg]) -> str:
    if not args:
        return f"`{r}.update()` changes nothing: remove it"
    parts = [f"**{r}"]
    for arg in args:
        if arg.keyword is not None:
            parts.append(f'"{arg.keyword.value}": {_arg(arg)}')
        elif arg.star == "" and isinstance(arg.value, cst.Dict) and not arg.value.lpar:
            parts.extend(
                code_of(element.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for element in arg.value.elements
            )
        elif arg.star in ("", "**"):
            parts.append(f"**{operand(arg.value)}")
        else:
            return f"build a new dict with `{{**{r}, ...}}` instead"
    return f"write `{r} = {{{', '.join(parts)}}}`"


def _setdefault(r: str, args: Sequence[cst.Arg]) -> str:
    if not args or args[0].star:
        return f"build a new dict with `{{key: default, **{r}}}` instead"
    key = _arg(args[0])
    default = _arg(args[1]) if len(args) > 1 else "None"
    return f"write `{r} = {{{key}: {default}, **{r}}}` (an existing value wins), then read `{r}[{key}]`"


def _pop(r: str, args: Sequence[cst.Arg]) -> str:
    if not args:
        return f"read `item = {r}[-1]`, then write `{r} = {r}[:-1]`"
    key_node = args[0].value
    key = code_of(key_node)
    as_dict = f"`{r} = {{k: v for k, v in {r}.items() if k != {key}}}`"
    if len(args) > 1:
        return f"read `value = {r}.get({key}, {_arg(args[1])})`, then write {as_dict}"
    if isinstance(key_node, STRINGS):
        return f"read `value = {r}[{key}]`, then write {as_dict}"
    as_list = f"`{r} = {r}[:{key}] + {r}[{operand(key_node)} + 1:]`"
    if _int_literal(key_node):
        if key == "-1":
            as_list = f"`{r} = {r}[:-1]`"
        return f"read `item = {r}[{key}]`, then write {as_list}"
    return f"read `item = {r}[{key}]`, then write {as_list} for a list, or {as_dict} for a dict"


def _popitem(r: str, args: Sequence[cst.Arg]) -> str:
    return (
        f"read `key, value = list({r}.items())[-1]`, then write "
        f"`{r} = {{k: v for k, v in {r}.items() if k != key}}`"
    )


def _clear(r: str, args: Sequence[cst.Arg]) -> str:
    return f"rebind the name: `{r} = []` for a list, `{r} = {{}}` for a dict"


def _insert(r: str, args: Sequence[cst.Arg]) -> str:
    if len(args) != 2 or any(arg.star or arg.keyword for arg in args):
        return f"build a new list with slices: `{r}[:i] + [value] + {r}[i:]`"
    index, value = _arg(args[0]), _arg(args[1])
    if index == "0":
        return f"write `{r} = [{value}] + {r}`"
    return f"write `{r} = {r}[:{index}] + [{value}] + {r}[{index}:]`"


def _remove(r: str, args: Sequence[cst.Arg]) -> str:
    value = _arg(args[0]) if args else "value"
    return f"write `{r} = [item for item in {r} if item != {value}]` (this drops every copy, `.remove` dropped the first)"


def _sort(r: str, args: Sequence[cst.Arg]) -> str:
    extra = "".join(f", {code_of(arg).rstrip(', ')}" for arg in args)
    return f"write `{r} = sorted({r}{extra})`"


def _reverse(r: str, args: Sequence[cst.Arg]) -> str:
    return f"write `{r} = {r}[::-1]`"


_ADVICE: dict[str, Callable[[str, Sequence[cst.Arg]], str]] = {
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
    No fix: the call's return value and other names sharing the container
    would behave differently.
    """

    code = "SBX116"
    name = "in-place-mutation"
    summary = "in-place mutation is not allowed: build a new value (`{**a, **b}`, `sorted(xs)`, slicing)"
    inspects = (cst.Call,)
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
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        func = node.func  # type: ignore[attr-defined]  # inspects only Call
        if type(func) is not cst.Attribute:
            return
        advice = _ADVICE.get(func.attr.value)
        if advice is None:
            return
        assert type(node) is cst.Call
        receiver: cst.BaseExpression = func.value
        args: Sequence[cst.Arg] = node.args
        if isinstance(receiver, cst.Name) and receiver.value in ("dict", "list") and args and not args[0].star:
            receiver, args = args[0].value, args[1:]  # `dict.update(d, x)` is `d.update(x)`
        r = shorten(code_of(receiver), 40)
        text = advice(r, args)
        if not isinstance(receiver, cst.Name):
            text = f"{text} (bind `{r}` to a name first)"
        ctx.report(
            self,
            node,
            f"`{shorten(code_of(node))}` changes `{r}` in place, which is not allowed: {text}",
        )
