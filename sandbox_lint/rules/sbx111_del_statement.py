from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, Valid
from .shared import advice, is_self, without_item
from .suggestions import Code, elide, fmt, is_bindable, movable, statement_place, statements


def _rewrite(target: cst.BaseExpression, ctx: Context) -> tuple[str, Code | None]:
    """What to write instead of deleting one target: the words, and the statement."""
    if isinstance(target, cst.Name):
        if not is_bindable(target.value, ctx):
            return f"`{target.value}` is not a name of this program: stop using it", None
        code = fmt("{} = None", target)
        return f"rebind the name (`{code.shown()}`) or stop using it", code
    if isinstance(target, cst.Subscript):
        words, bound = advice(without_item(target, ctx), ctx, target.value)
        if bound is not None:
            return f"build a new value without the item: {words}", bound.statement
        return f"build a new `{elide(target.value, 40)}` without the item", None
    if isinstance(target, cst.Attribute):
        owner = is_self(target.value, ctx)
        if owner is not None:
            return f"`{elide(target.value)}` is an instance of class `{owner}`, and classes are not allowed (SBX104); keep the data in a dict", None
        return f"there are no objects to change: keep the data in a dict and build one without `\"{target.attr.value}\"`", None
    return "rebind the names instead", None


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
    No automatic fix: other names sharing the container keep the old value.
    The rewrite the message names comes as a display fix, never applied by
    `--fix`: for a container bound to a dict or a list in its scope, the
    rewrite for that kind; otherwise the likelier one (a list for an integer
    index, a dict for any other key) with the other named in the message.
    A container that is not a plain name (`del report.rows[0]`) is rebuilt
    into a new name, never assigned back to an attribute (SBX115).
    """

    code = "SBX111"
    name = "del-statement"
    summary = "`del` is not allowed: rebind the name or build a new value"
    owns = (cst.Del,)
    suggests = True
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
        "report = load()\ndel report.rows[0]\n",
        "xs = [1, 2]\ndel xs[0]\n",
        "d = dict(a=1)\nk = 'a'\ndel d[k]\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Del
        target = node.target
        if isinstance(target, (cst.Tuple, cst.List)):
            targets = [element.value for element in target.elements]
        else:
            targets = [target]
        rewrites = [_rewrite(item, ctx) for item in targets]
        words = "; ".join(
            f"for `{elide(item, 30, target=True)}`, {text}" if len(targets) > 1 else text
            for item, (text, _) in zip(targets, rewrites)
        )
        fix = None
        codes = [code for _, code in rewrites]
        alone = statement_place(node, ctx)
        if alone is not None and all(code is not None for code in codes):
            code = statements([c for c in codes if c is not None], alone)
            if "\n" not in code.text or all(movable(copied) for copied in code.nodes()):
                fix = Replacement(node, code.text, f"Rewrite as `{code.shown()}`", "display")
        shown = elide(node.with_changes(semicolon=cst.MaybeSentinel.DEFAULT))
        ctx.report(self, node, f"`{shown}` is not allowed: {words}", fix)
