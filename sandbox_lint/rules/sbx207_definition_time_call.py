from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Replacement, Rule
from .shared import clean
from .suggestions import block_indent, default_indent, elide, fmt, reindent_safe, splice


_LITERAL_NAMES = frozenset({"True", "False", "None"})


def first_non_literal(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The part of a default that is not a literal (inside a tuple: the element), or None."""
    if isinstance(node, cst.Tuple):
        for element in node.elements:
            if not isinstance(element, cst.Element):
                return node
            found = first_non_literal(element.value)
            if found is not None:
                return found
        return None
    return None if is_literal_default(node) else node


def is_literal_default(node: cst.BaseExpression) -> bool:
    """int/float/str/bytes/bool/None literals, negated numbers, and tuples of those."""
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_literal_default(node.left) and is_literal_default(node.right)
    if isinstance(node, cst.Name):
        return node.value in _LITERAL_NAMES
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return isinstance(node.expression, (cst.Integer, cst.Float))
    if isinstance(node, cst.Tuple):
        return all(
            isinstance(element, cst.Element) and is_literal_default(element.value) for element in node.elements
        )
    return False


class DefinitionTimeCall(Rule):
    """
    ## What it does
    Rejects parameter defaults that are not literals, in `def` and `lambda`.
    Allowed defaults: int, float, str, bytes, bool and None literals,
    negative numbers, and tuples of those.

    ## Why is this bad?
    A default value is evaluated once, when the function is defined, not when
    it is called: `def f(x=compute())` runs `compute()` (a task call, maybe)
    at a point that does not read as a call, and `def f(items=[])` shares one
    list between all calls. Both make behaviour depend on definition order.

    ## Example
    ```python
    def score(x, weights=load_weights()):
        return x * weights[0]
    ```

    ## Use instead
    ```python
    def score(x, weights=None):
        if weights is None:
            weights = load_weights()
        return x * weights[0]
    ```

    ## Fix safety
    No automatic fix: moving the evaluation into the body changes when it
    runs. For a `def` whose body is a block, the rewrite the message names
    (`x=None`, then `if x is None:` setting it first thing in the body) comes
    as a display fix, never applied by `--fix`. A lambda has no body for
    statements: the message says to write a `def` instead.
    """

    code = "SBX207"
    name = "definition-time-call"
    summary = "default argument values must be literals"
    category = "security"
    severity = "error"
    inspects = (cst.Param,)
    suggests = True
    VALID = [
        "def f(x=1, y=-2.5, z='a', w=None, flag=True):\n    return x\n",
        "def f(pair=(1, 'a'), data=b'x'):\n    return pair\n",
        "g = lambda x, n=3: x * n",
    ]
    INVALID = [
        Invalid("def f(x=compute()):\n    return x\n", line=1, column=9),
        "def f(items=[]):\n    return items\n",
        "g = lambda x, n=len([1]): x * n",
        "size = 3\ndef f(x, n=size):\n    return x * n\n",
        "def f(*, opts={}):\n    return opts\n",
        "def f(path=open('x')):\n    return path\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Param
        default = node.default
        if default is None:
            return
        part = first_non_literal(default)
        if part is None:
            return
        name = node.name.value
        if isinstance(part, (cst.List, cst.Dict, cst.ListComp, cst.DictComp)):
            why = "one value would be shared by every call"
        else:
            why = "it runs once, when the function is defined, not at each call"
        head = f"default `{name}={elide(default, 50)}` is not a literal: {why}"
        function = ctx.ancestors[-2] if len(ctx.ancestors) >= 2 else None
        if not clean(default, ctx):
            ctx.report(self, part, f"{head}, and the sandbox cannot compute it either: take `{name}` without a default")
            return
        indent = block_indent(function.body, ctx) if isinstance(function, cst.FunctionDef) else "    "
        setting = fmt(f"if {name} is None:\n{indent}{name} = {{}}", default)
        shown = fmt(f"if {name} is None: {name} = {{}}", default).shown()
        if not isinstance(function, cst.FunctionDef):
            ctx.report(
                self,
                part,
                f"{head}; a lambda has no body to set it in: write a `def` that takes `{name}=None` and "
                f"starts with `{shown}`",
            )
            return
        ctx.report(
            self,
            part,
            f"{head}; write `{name}=None` and set it in the body: `{shown}`",
            _fix(function, node, setting.text, ctx),
        )


def _fix(function: cst.FunctionDef, param: cst.Param, setting: str, ctx: Context) -> Replacement | None:
    """The function with `param` defaulting to None and set first thing in its body."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body or param.default is None:
        return None
    if not reindent_safe(function, ctx):
        return None
    indent = block_indent(body, ctx)
    lines = setting.split("\n")
    inserted = "".join(f"{indent}{line}\n" for line in lines)
    text = splice(function, {id(param.default): "None"}, {id(body.body[0]): inserted}, indent=default_indent(ctx))
    return Replacement(function, text, f"Default `{param.name.value}` to None and set it in the body", "display")
