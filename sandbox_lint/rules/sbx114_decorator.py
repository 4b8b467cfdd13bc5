from __future__ import annotations

import libcst as cst

from .base import Context, Invalid, Rule, code_of, shorten


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
    No fix: call sites have to choose between the plain and the wrapped
    function.
    """

    code = "SBX114"
    name = "decorator"
    summary = "decorators are not allowed on sandbox functions: call the function explicitly"
    owns = (cst.Decorator,)
    VALID = [
        "def fetch(url):\n    return url\n\nwrapped = [fetch('a')]\n",
        "def outer():\n    def inner(x):\n        return x\n    return inner(1)\n",
    ]
    INVALID = [
        Invalid("@cache\ndef f(x):\n    return x\n", line=1, column=1),
        "def outer():\n    @retry(3)\n    def inner():\n        return 1\n    return inner()\n",
        "@a\n@b.c\nasync def g():\n    return 1\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Decorator
        function = ctx.parent
        if not isinstance(function, cst.FunctionDef):
            return  # a class decorator: the class itself is SBX104
        decorator = shorten(code_of(node.decorator), 40)
        name = function.name.value
        ctx.report(
            self,
            node,
            f"decorator `@{decorator}` on `{name}` is not allowed: decorators run when the function is "
            f"defined; define `{name}` without it and call `{decorator}({name})` explicitly where you "
            "need the wrapped version",
        )
