from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule


class ClassDefinition(Rule):
    """
    ## What it does
    Rejects `class` statements anywhere in sandbox code, including classes
    nested in functions. Decorators on a class are part of the class and are
    not reported separately.

    ## Why is this bad?
    Classes bring attribute lookup, descriptors, metaclasses and dunder
    methods: the machinery sandbox escapes are built from. Orchestration code
    only needs data (dicts, lists, tuples) and functions.

    ## Example
    ```python
    class Job:
        def __init__(self, name):
            self.name = name

    job = Job("train")
    ```

    ## Use instead
    ```python
    job = {"name": "train"}
    ```

    ## Fix safety
    No fix.
    """

    code = "SBX104"
    name = "class-definition"
    summary = "classes are not allowed: use dicts or tuples"
    owns = (cst.ClassDef,)
    VALID = [
        "job = {'name': 'train', 'steps': 3}\nname = job['name']\n",
        "def make_job(name):\n    return {'name': name}\n\njob = make_job('x')\n",
    ]
    INVALID = [
        Invalid("class Job:\n    pass\n", line=1, column=1),
        "class Point(tuple):\n    x = 1\n",
        "def f():\n    class Inner:\n        pass\n    return 1\n",
        "@decorate\nclass Job:\n    pass\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.ClassDef
        ctx.report(
            self,
            node,
            f"class `{node.name.value}` is not allowed: use a dict (`{{\"field\": value}}`) or a tuple for "
            "the data and plain functions for the behaviour",
        )
