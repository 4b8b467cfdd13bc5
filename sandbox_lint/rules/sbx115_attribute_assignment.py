from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten
from .shared import TARGET_OWNERS, Builder, rebind, replacement_advice, target_sites


def _attribute_builder(target: cst.Attribute) -> Builder:
    container = code_of(target.value)
    key = f'"{target.attr.value}"'

    def build(value: str) -> str:
        return rebind(target.value, f"{{**{container}, {key}: {value}}}")

    return build


class AttributeAssignment(Rule):
    """
    ## What it does
    Rejects assignment to an attribute — `obj.attr = v` — in every target
    position: plain and chained assignment, tuple/list/starred unpacking,
    `for` loop and comprehension targets, annotated and augmented assignment.

    ## Why is this bad?
    The sandbox has no objects to mutate: values are numbers, strings, lists,
    dicts, tuples and opaque handles. Setting an attribute either fails at run
    time or mutates a value other names share. Keep records in dicts and
    build new ones.

    ## Example
    ```python
    config.retries = 3
    ```

    ## Use instead
    ```python
    config = {**config, "retries": 3}
    ```

    ## Fix safety
    No fix: turning an object into a dict changes every place that reads it.
    """

    code = "SBX115"
    name = "attribute-assignment"
    summary = "assignment to an attribute is not allowed: build a new value instead"
    inspects = TARGET_OWNERS
    VALID = [
        "config = {'retries': 1}\nconfig = {**config, 'retries': 3}\n",
        "text = 'a b'\nwords = text.split()\nn = len(words)\n",
        "def f(item):\n    return [x.name for x in item.children]\n",
    ]
    INVALID = [
        Invalid("config.retries = 3\n", line=1, column=1),
        Invalid("a, config.retries = 1, 2\n", line=1, column=4),
        "for row.value in [1, 2]:\n    pass\n",
        "ys = [0 for row.value in [1, 2]]\n",
        "def outer(state):\n    def inner():\n        state.count: int = 1\n    return inner\n",
        "state.count += 1\n",
        "a = state.count = 3\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        for site in target_sites(node, ctx):
            target = site.target
            if not isinstance(target, cst.Attribute):
                continue
            advice = replacement_advice(site, _attribute_builder(target))
            ctx.report(
                self,
                target,
                f"assignment to attribute `{shorten(code_of(target))}` is not allowed: the sandbox has no "
                f"objects to mutate; keep the data in a dict and {advice}",
            )
