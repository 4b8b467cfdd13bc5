from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, Valid
from .shared import TARGET_OWNERS, is_self, target_rewrite, target_sites, with_attribute
from .suggestions import elide


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
    No automatic fix: turning an object into a dict changes every place that
    reads it (`obj.attr` becomes `obj["attr"]`). The rewrite the message
    names comes as a display fix (never applied by `--fix`) where the
    statement allows it. Inside a method of a class, `self.x = v` gets no
    rewrite: the class itself is rejected (SBX104), and its data belongs in
    a dict built by a function.
    """

    code = "SBX115"
    name = "attribute-assignment"
    summary = "assignment to an attribute is not allowed: build a new value instead"
    inspects = TARGET_OWNERS
    suggests = True
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
        "class Job:\n    def __init__(self, name):\n        self.name = name\n",
        "report = load()\nreport.summary.total = 3\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        for site in target_sites(node, ctx):
            target = site.target
            if not isinstance(target, cst.Attribute):
                continue
            shown = elide(target, target=True)
            owner = is_self(target.value, ctx)
            if owner is not None:
                ctx.report(
                    self,
                    target,
                    f"assignment to attribute `{shown}` is not allowed: `{elide(target.value)}` is an instance of class "
                    f"`{owner}`, and classes are not allowed (SBX104); build the record as a dict in a plain "
                    "function and return it",
                )
                continue
            words, fix = target_rewrite(site, lambda value: with_attribute(target, value, ctx), ctx)
            if not words:
                words = "build a new value with a literal instead"
            ctx.report(
                self,
                target,
                f"assignment to attribute `{shown}` is not allowed: the sandbox has no objects to mutate; "
                f"keep the data in a dict and {words}",
                fix,
            )
