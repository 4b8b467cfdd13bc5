from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, code_of
from .suggestions import Code, default_indent, fmt, join, reindent_safe


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
    No automatic fix. A class that only holds an `__init__` setting fields
    (`self.name = name`) gets, as a display fix never applied by `--fix`,
    the function of the same name that builds the record as a dict:
    `def Job(name): return {"name": name}`; its readers then use
    `job["name"]` instead of `job.name`.
    """

    code = "SBX104"
    name = "class-definition"
    summary = "classes are not allowed: use dicts or tuples"
    owns = (cst.ClassDef,)
    suggests = True
    VALID = [
        "job = {'name': 'train', 'steps': 3}\nname = job['name']\n",
        "def make_job(name):\n    return {'name': name}\n\njob = make_job('x')\n",
    ]
    INVALID = [
        Invalid("class Job:\n    pass\n", line=1, column=1),
        "class Point(tuple):\n    x = 1\n",
        "def f():\n    class Inner:\n        pass\n    return 1\n",
        "@decorate\nclass Job:\n    pass\n",
        "class Job:\n    def __init__(self, name, steps=3):\n        self.name = name\n        self.steps = steps\n\njob = Job('train')\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.ClassDef
        name = node.name.value
        record = _record_function(node, default_indent(ctx))
        if record is None:
            ctx.report(
                self,
                node,
                f"class `{name}` is not allowed: keep the data in a dict (or a tuple) and write the behaviour "
                "as plain functions that take it",
            )
            return
        fix = None
        if not node.decorators and reindent_safe(node, ctx):
            fix = Replacement(node, record.text, f"Replace `{name}` with a function building a dict", "display")
        ctx.report(
            self,
            node,
            f"class `{name}` is not allowed: build the record as a dict with a function, "
            f"`{record.shown()}`, and read its fields as `record[\"field\"]`",
            fix,
        )


def _record_function(node: cst.ClassDef, indent: str) -> Code | None:
    """`def Name(params): return {...}` for a class whose body is only an
    `__init__` that sets fields on `self` (None otherwise)."""
    body = node.body
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1 or node.bases or node.keywords:
        return None
    init = body.body[0]
    if not isinstance(init, cst.FunctionDef) or init.name.value != "__init__" or init.decorators or init.asynchronous:
        return None
    params = init.params
    if not params.params or params.posonly_params or params.star_arg is not cst.MaybeSentinel.DEFAULT and params.star_arg is not None:
        return None
    self_name = params.params[0].name.value
    fields: list[Code] = []
    if not isinstance(init.body, cst.IndentedBlock):
        return None
    for statement in init.body.body:
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        small = statement.body[0]
        if isinstance(small, cst.Pass):
            continue
        if not isinstance(small, cst.Assign) or len(small.targets) != 1:
            return None
        target = small.targets[0].target
        if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == self_name):
            return None
        fields.append(fmt(f'"{target.attr.value}": {{}}', small.value))
    rest = params.with_changes(params=params.params[1:])
    signature = code_of(rest).strip()
    if signature.endswith(","):
        signature = signature[:-1]
    dictionary = fmt("{{{}}}", join(fields, ", "))
    header = f"def {node.name.value}({signature}):"
    one_line = fmt(f"{header} return {{}}", dictionary)
    return Code(fmt(f"{header}\n{indent}return {{}}", dictionary).pieces, one_line)
