from __future__ import annotations

import libcst as cst

from ..builtins import FORBIDDEN_BUILTINS
from .base import Context, Invalid, Replacement, Rule, Valid
from .shared import known_names, names_in
from .suggestions import bound, elide, fmt


class FunctionDecorator(Rule):
    """
    ## What it does
    Rejects decorators on functions in sandbox code, on helpers at any
    nesting depth. The host orchestrator's own `@env.sandbox.orchestrator`
    decorator is not sandbox code and is never reported; decorators on a
    class are covered by SBX104, which rejects the class.

    ## Why is this bad?
    A decorator runs when the function is defined, before any line of the
    body, and replaces the function with whatever it returns. The program's
    behaviour then hides in code the reader does not see at the call site.

    ## Example
    ```python
    @retry
    def fetch(url):
        return download(url)
    ```

    ## Use instead
    ```python
    def fetch(url):
        return download(url)

    result = retry(fetch)  # where the wrapped version is needed
    ```

    ## Fix safety
    No automatic fix: call sites have to choose between the plain and the
    wrapped function. When the decorator names something the sandbox does
    not have (a module such as `functools`, `property`, `staticmethod`, a
    name defined nowhere the sandbox sees), the message says to remove it
    and a display fix does, never applied by `--fix`; when it is a task or
    a function of the program, the message names the explicit call,
    `name = decorator(name)`, to write after the definition.
    """

    code = "SBX114"
    name = "decorator"
    summary = "decorators are not allowed on sandbox functions: call the function explicitly"
    owns = (cst.Decorator,)
    suggests = True
    VALID = [
        "def fetch(url):\n    return url\n\nwrapped = [fetch('a')]\n",
        "def outer():\n    def inner(x):\n        return x\n    return inner(1)\n",
    ]
    INVALID = [
        Invalid("@cache\ndef f(x):\n    return x\n", line=1, column=1),
        "def outer():\n    @retry(3)\n    def inner():\n        return 1\n    return inner()\n",
        "@a\n@b.c\nasync def g():\n    return 1\n",
        "@functools.lru_cache(maxsize=None)\ndef fib(n):\n    return n\n",
        "@staticmethod\ndef f():\n    return 1\n",
        Invalid("def retry(f):\n    return f\n\n@retry\ndef g():\n    return 1\n", interface="def add(x: int) -> int: ..."),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Decorator
        function = ctx.parent
        if not isinstance(function, cst.FunctionDef):
            return  # a class decorator: the class itself is SBX104
        decorator = elide(node.decorator, 50)
        name = function.name.value
        head = f"decorator `@{decorator}` on `{name}` is not allowed: decorators run when the function is defined"
        missing = _missing(node.decorator, ctx)
        if missing is not None:
            fix = Replacement(node, "", f"Remove `@{decorator}`", "display")
            ctx.report(self, node, f"{head}, and `{missing}` is not available in the sandbox; remove the decorator", fix)
            return
        call = fmt(f"{name} = {{}}({name})", node.decorator)
        ctx.report(
            self,
            node,
            f"{head}; define `{name}` without it and write `{call.shown()}` after the definition where you "
            "need the wrapped version",
        )


def _missing(decorator: cst.BaseExpression, ctx: Context) -> str | None:
    """The name in `decorator` the sandbox does not have, if any (a task or a
    local function is available; without an interface, a bare name may be a task)."""
    root: cst.BaseExpression = decorator
    if isinstance(root, cst.Call):
        root = root.func
    attribute = isinstance(root, cst.Attribute)
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return None
    for used in sorted(names_in(decorator, loads=True)):
        if used in FORBIDDEN_BUILTINS or used.startswith("_"):
            return used
    value = root.value
    if bound(value, ctx):
        return None
    if ctx.interface is not None:
        return None if value in known_names(ctx.interface) else value
    return value if attribute or value in FORBIDDEN_BUILTINS else None
