from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten
from .shared import STRINGS, operand


def _advice(target: cst.BaseExpression) -> str:
    """What to write instead of deleting one target."""
    if isinstance(target, cst.Name):
        return f"rebind the name (`{target.value} = None`) or stop using it"
    if isinstance(target, cst.Subscript):
        container = code_of(target.value)
        if len(target.slice) == 1:
            piece = target.slice[0].slice
            if isinstance(piece, cst.Index) and piece.star is None:
                key = code_of(piece.value)
                as_dict = f"`{container} = {{key: value for key, value in {container}.items() if key != {key}}}`"
                if isinstance(piece.value, STRINGS):
                    return f"build a new dict without the key: {as_dict}"
                as_list = f"`{container} = {container}[:{key}] + {container}[{operand(piece.value)} + 1:]`"
                return f"build a new value without the item: {as_dict} for a dict, {as_list} for a list"
            if isinstance(piece, cst.Slice) and piece.step is None:
                kept = []
                if piece.lower is not None:
                    kept.append(f"{container}[:{code_of(piece.lower)}]")
                if piece.upper is not None:
                    kept.append(f"{container}[{code_of(piece.upper)}:]")
                rest = " + ".join(kept) if kept else "[]"
                return f"build a new list without the slice: `{container} = {rest}`"
        return f"build a new `{shorten(container)}` without the item"
    if isinstance(target, cst.Attribute):
        return f"keep the data in a dict and build a new one without `\"{target.attr.value}\"`"
    return "rebind the names instead"


class DelStatement(Rule):
    """
    ## What it does
    Rejects `del` statements: deleting names, dict keys, list items, slices
    and attributes.

    ## Why is this bad?
    Deleting a key or an item mutates a container that other names may
    share, and deleting a name makes later reads fail in ways that depend on
    the path taken. Sandbox code builds new values and rebinds names.

    ## Example
    ```python
    del config["debug"]
    ```

    ## Use instead
    ```python
    config = {key: value for key, value in config.items() if key != "debug"}
    ```

    ## Fix safety
    No fix: whether the container is a dict or a list is not visible in the
    syntax.
    """

    code = "SBX111"
    name = "del-statement"
    summary = "`del` is not allowed: rebind the name or build a new value"
    owns = (cst.Del,)
    VALID = [
        "config = {'debug': True, 'x': 1}\nconfig = {k: v for k, v in config.items() if k != 'debug'}\n",
        "xs = [1, 2, 3]\nxs = xs[:1] + xs[2:]\nx = None\n",
    ]
    INVALID = [
        Invalid("config = {'debug': 1}\ndel config['debug']\n", line=2, column=1),
        "x = 1\ndel x\n",
        "xs = [1, 2, 3]\ndel xs[1:2]\n",
        "def f(a, b):\n    del a, b\n    return 1\n",
        "def f(obj):\n    del obj.attr\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Del
        target = node.target
        if isinstance(target, (cst.Tuple, cst.List)):
            targets = [element.value for element in target.elements]
        else:
            targets = [target]
        advice = "; ".join(
            f"for `{shorten(code_of(item), 30)}`, {_advice(item)}" if len(targets) > 1 else _advice(item)
            for item in targets
        )
        ctx.report(self, node, f"`{shorten(code_of(node).rstrip(';').strip())}` is not allowed: {advice}")
