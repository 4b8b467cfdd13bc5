from __future__ import annotations

import re

import libcst as cst

from ..tree import ROLE_ATTR, ROLE_KEYWORD
from .base import Context, Invalid, Rule
from .shared import folded


# The attributes through which a running program reaches frames, code objects
# and tracebacks, and from a frame its globals and builtins: every name CPython
# (3.9 to 3.14) defines on frame, code, traceback, generator, coroutine and
# async generator objects, plus exceptions' `with_traceback`, plus the names
# of RestrictedPython's `INSPECT_ATTRIBUTES`, plus Python 2's spellings.
# `INTROSPECTION_PREFIX` covers names a later Python adds with the same prefixes.
INTROSPECTION_ATTRIBUTES = frozenset({
    # frame
    "f_back", "f_builtins", "f_code", "f_generator", "f_globals", "f_lasti", "f_lineno", "f_locals",
    "f_trace", "f_trace_lines", "f_trace_opcodes", "f_restricted", "f_exc_type", "f_exc_value", "f_exc_traceback",
    # code
    "co_argcount", "co_branches", "co_cellvars", "co_code", "co_consts", "co_exceptiontable", "co_filename",
    "co_firstlineno", "co_flags", "co_freevars", "co_kwonlyargcount", "co_lines", "co_linetable", "co_lnotab",
    "co_name", "co_names", "co_nlocals", "co_positions", "co_posonlyargcount", "co_qualname", "co_stacksize",
    "co_varnames",
    # traceback
    "tb_frame", "tb_lasti", "tb_lineno", "tb_next",
    # generator, coroutine, async generator
    "gi_code", "gi_frame", "gi_running", "gi_suspended", "gi_yieldfrom",
    "cr_await", "cr_code", "cr_frame", "cr_origin", "cr_running", "cr_suspended",
    "ag_await", "ag_code", "ag_frame", "ag_running", "ag_suspended",
    # exceptions, classes, Python 2
    "with_traceback", "mro",
    "func_closure", "func_code", "func_defaults", "func_dict", "func_globals", "func_name",
    "im_class", "im_func", "im_self",
})
INTROSPECTION_PREFIX = re.compile(r"(?:f|co|tb|gi|cr|ag|func|im)_[a-z_]+")


def is_introspection(name: str) -> bool:
    """True for an attribute name that reaches frames, code or tracebacks."""
    return name in INTROSPECTION_ATTRIBUTES or INTROSPECTION_PREFIX.fullmatch(name) is not None


def _suggestion(name: str) -> str:
    stripped = name.strip("_")
    return stripped if stripped and stripped.isidentifier() else "value"


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
    introspection access has no direct replacement.
    """

    code = "SBX201"
    name = "private-name"
    summary = "names starting with `_` are not allowed: dunder and private access is blocked in the sandbox"
    category = "security"
    severity = "error"
    inspects = (cst.Name,)
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
        if role == ROLE_ATTR:
            if dunder:
                message = (
                    f"attribute `{value}` is not allowed: dunder attribute access can reach the "
                    "interpreter's internals; work with the value itself (e.g. `isinstance(x, str)` "
                    "instead of `x.__class__`)"
                )
            else:
                message = f"attribute `{value}` is private: dunder and private attribute access is not allowed"
        elif role == ROLE_KEYWORD:
            message = (
                f"keyword `{value}` starts with `_`: dunder and private names are not allowed; "
                f"pass a dict instead, e.g. `{{'{value}': ...}}`"
            )
        elif dunder:
            message = f"`{value}` is a dunder name: dunder and private access is not allowed in the sandbox"
        else:
            message = (
                f"`{value}` starts with `_`: dunder and private names are not allowed; "
                f"rename it, e.g. `{_suggestion(value)}`"
            )
        ctx.report(self, node, message)
