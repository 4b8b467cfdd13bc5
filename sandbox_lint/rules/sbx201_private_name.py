from __future__ import annotations

import libcst as cst

from ..tree import ROLE_ATTR, ROLE_KEYWORD
from .base import Context, Invalid, Replacement, Rule
from .shared import INTROSPECTION_ATTRIBUTES, INTROSPECTION_PREFIX, folded, is_introspection
from .suggestions import fmt, fresh_name

__all__ = ["INTROSPECTION_ATTRIBUTES", "INTROSPECTION_PREFIX", "PrivateName", "is_introspection"]



class PrivateName(Rule):
    """
    ## What it does
    Rejects every identifier that starts with an underscore: variables,
    functions, parameters, keywords and attribute names (`_x`, `__class__`,
    `obj.__dict__`). The bare throwaway name `_` is allowed.

    Also rejects the introspection attributes that do not start with `_`:
    those of frames (`f_back`, `f_globals`, `f_builtins`, `f_locals`, ...),
    code objects (`co_code`, `co_consts`, ...), tracebacks (`tb_frame`,
    `tb_next`), generators, coroutines and async generators (`gi_frame`,
    `cr_frame`, `cr_await`, `ag_frame`, ...), `with_traceback` and `mro`:
    every name with those prefixes, current and future.

    ## Why is this bad?
    Dunder attributes are how Python sandboxes are escaped:
    `().__class__.__bases__[0].__subclasses__()` walks from any value to every
    class in the interpreter. Rejecting all underscore names closes that whole
    family without having to list the dangerous ones, and sandbox code has no
    privacy to express anyway. Frames are the other road, without a single
    underscore: `(x for x in []).gi_frame.f_back.f_builtins` reaches the
    interpreter's builtins from any generator, `c().cr_frame.f_globals` from
    any coroutine.

    ## Example
    ```python
    kind = value.__class__.__name__
    _cache = {}
    outer = (x for x in []).gi_frame.f_back
    ```

    ## Use instead
    ```python
    is_text = isinstance(value, str)
    cache = {}
    values = [x for x in []]
    ```

    ## Fix safety
    No fix: renaming a name must rename all its uses, and a dunder or
    introspection access has no direct replacement. A keyword argument
    that starts with `_` (`f(_k=1)`) gets a display fix passing it in a
    dict, `f(**{"_k": 1})`, never applied by `--fix`. The new name a
    message proposes is one nothing in scope uses and the sandbox accepts.
    """

    code = "SBX201"
    name = "private-name"
    summary = "names starting with `_` are not allowed: dunder and private access is blocked in the sandbox"
    category = "security"
    severity = "error"
    inspects = (cst.Name,)
    suggests = True
    VALID = [
        "for _ in range(3):\n    print('hi')\n",
        "name_ = 1\nvalue = name_ + 1\n",
        "first, _ = (1, 2)",
        "f_back = 1\nco_names = [f_back]\n",  # plain variables with those names read nothing
        "row = {'f_globals': 1}\nv = row['f_globals']\n",
        "text = 'a-b'.replace('-', '_')\n",
    ]
    INVALID = [
        Invalid("x = ().__class__.__bases__", line=1, column=8),
        "_total = 0",
        "def _helper(x):\n    return x\n",
        "def f(_x):\n    return 1\n",
        "y = dict(_k=1)",
        "n = [1].__len__()",
        Invalid("g = (x for x in [])\nb = g.gi_frame.f_back.f_builtins\n", line=2, column=7),
        "async def c():\n    return 1\n\ng = c().cr_frame.f_globals\n",
        "async def c():\n    return 1\n\nw = c().cr_await\n",
        "e = ValueError('x')\nt = e.with_traceback\n",
        "g = (x for x in [])\ncode = g.gi_code.co_code\n",
        "g = (x for x in [])\nf = g.gi_frame.f_locals\n",
        "g = (x for x in [])\nv = g.gi_yieldfrom\n",
        "k = int.mro()",
        "t = e.tb_next",
        "g = (x for x in [])\nx = g.gi_frame.f_generator\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        assert type(node) is cst.Name
        value = node.value
        if (
            value[0] != "_"
            and ("_" in value or value == "mro" or not value.isascii())  # every introspection name but `mro` has a `_`
            and ctx.roles.get(id(node)) == ROLE_ATTR
            and is_introspection(folded(value))
        ):
            ctx.report(
                self,
                node,
                f"attribute `{value}` is interpreter introspection (frames, code objects, tracebacks): "
                "it reaches the interpreter's globals and builtins, so it is not allowed; work with the values themselves",
            )
            return
        if value[0] != "_":
            if value.isascii():
                return
            value = folded(value)
            if value[:1] != "_":
                return
        if value == "_":
            return
        role = ctx.roles.get(id(node))
        dunder = value.startswith("__") and value.endswith("__") and len(value) > 4
        fix = None
        if role == ROLE_ATTR:
            parent = ctx.parent
            if dunder and value == "__class__" and isinstance(parent, cst.Attribute) and parent.attr is node:
                test = fmt("isinstance({}, str)", parent.value).shown()
                message = (
                    f"attribute `{value}` is not allowed: dunder attribute access can reach the "
                    f"interpreter's internals; test the type instead, e.g. `{test}`"
                )
            elif dunder:
                message = (
                    f"attribute `{value}` is not allowed: dunder attribute access can reach the "
                    "interpreter's internals; work with the value itself"
                )
            else:
                message = f"attribute `{value}` is private: dunder and private attribute access is not allowed"
        elif role == ROLE_KEYWORD:
            parent = ctx.parent
            if isinstance(parent, cst.Arg) and parent.keyword is node:
                spread = fmt(f'**{{{{"{value}": {{}}}}}}', parent.value)
                message = (
                    f"keyword `{value}` starts with `_`: dunder and private names are not allowed; "
                    f"pass it in a dict instead: `{spread.shown()}`"
                )
                fix = Replacement(parent, spread.text, f"Pass `{value}` in a dict", "display")
            else:
                message = f"keyword `{value}` starts with `_`: dunder and private names are not allowed"
        elif dunder:
            message = f"`{value}` is a dunder name: dunder and private access is not allowed in the sandbox"
        else:
            message = (
                f"`{value}` starts with `_`: dunder and private names are not allowed; "
                f"rename it (every use), e.g. `{fresh_name(ctx, value)}`"
            )
        ctx.report(self, node, message, fix)
