from __future__ import annotations

import difflib
from dataclasses import dataclass

import libcst as cst

from ..builtins import FORBIDDEN_BUILTINS
from .base import Context, Invalid, Rule, Valid
from .shared import describe_tasks, known_names


STUB = "def add(x: int, y: int) -> int: ...\nitems: list[int]"
_SET_BUILDERS = frozenset({"set", "frozenset"})
_HOST = 'import runtime\nenv = runtime.TaskEnvironment("e")\n'


def _scope_key(scope: cst.CSTNode | None) -> int:
    return 0 if scope is None else id(scope)


@dataclass(frozen=True)
class Load:
    """A name read, with the chain of scopes it can resolve in (innermost first)."""

    node: cst.Name
    scopes: tuple[cst.CSTNode | None, ...]
    anchor: cst.CSTNode | None


class UnknownName(Rule):
    """
    ## What it does
    Reports a name that is read but defined nowhere the sandbox can see: not
    bound in the enclosing scopes (a binding anywhere in a scope counts, as in
    Python), not an input, not a task, and not a provided builtin (`abs all
    any bool bytes chr dict divmod enumerate filter float int isinstance len
    list map max min ord pow print range repr reversed round sorted str sum
    tuple zip`, the common exception classes, `gather`, `map_task` and
    Flyte's `flyte_map`).
    In a host file, a module-level global of the host used inside an
    orchestrator is reported with that explanation. The message suggests
    close names and lists the available tasks. Active when the interface is
    known.

    ## Why is this bad?
    The program would stop with a `NameError` partway through, after some
    tasks already ran. Host globals are the common case: the orchestrator
    body reads like ordinary module code, but it runs in a sandbox that
    only sees its inputs, its tasks and the builtins.

    ## Example
    ```python
    CONFIG = {"scale": 2}

    @env.sandbox.orchestrator
    def pipeline(xs: list[int]) -> int:
        return sum(xs) * CONFIG["scale"]
    ```

    ## Use instead
    ```python
    @env.sandbox.orchestrator
    def pipeline(xs: list[int], scale: int) -> int:
        return sum(xs) * scale
    ```

    ## Fix safety
    No fix: which name was meant is a guess (the message offers candidates).
    """

    code = "SBX401"
    name = "unknown-name"
    summary = "this name is not defined in the sandbox"
    category = "names"
    inspects = (cst.Name,)
    VALID = [
        Valid("total = add(1, 2)\nresult = [add(x, total) for x in items]\n", interface=STUB),
        Valid("def f():\n    return later + 1\nlater = 2\nf()\n", interface=STUB),
        Valid("if len(items) == 0:\n    raise ValueError('empty')\nok = True\n", interface=STUB),
        "print(undefined_without_interface)",
    ]
    INVALID = [
        Invalid("total = ad(1, 2)\n", interface=STUB, line=1, column=9),
        Invalid("for x in itemz:\n    print(x)\n", interface=STUB),
        Invalid("def f():\n    return y\n", interface=STUB),
        Invalid(
            _HOST + "CONFIG = {'scale': 2}\n@env.sandbox.orchestrator\ndef pipeline(xs: list[int]) -> int:\n"
            "    return sum(xs) * CONFIG['scale']\n",
            host=True,
            line=6,
        ),
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        interface = ctx.interface
        if interface is None or id(node) in ctx.roles:
            return
        assert type(node) is cst.Name
        value = node.value
        if value in known_names(interface) or ctx.is_local(value):
            return
        if value[0] == "_" or value in FORBIDDEN_BUILTINS or not value.isascii():
            return  # SBX201 / SBX202 / SBX204 say what is wrong with it
        parent = ctx.parent
        if isinstance(parent, cst.ImportAlias):
            return  # `from m import y as z`: SBX101
        if value in _SET_BUILDERS and isinstance(parent, cst.Call) and parent.func is node:
            return  # `set()` / `frozenset()`: SBX110 says what to write
        # A binding later in the same scope still counts: resolve after the walk.
        loads: list[Load] = ctx.state(self, list)
        loads.append(Load(node, tuple(reversed(ctx.scope_chain)), ctx.anchor))

    def finish(self, ctx: Context) -> None:
        loads: list[Load] = ctx.state(self, list)
        if ctx.interface is None or not loads:
            return
        bindings = ctx.bindings
        for load in loads:
            name = load.node.value
            if any(name in bindings.get(_scope_key(scope), ()) for scope in load.scopes):
                continue
            ctx.report(self, load.node, self._message(name, load, ctx), anchor=load.anchor)

    def _message(self, name: str, load: Load, ctx: Context) -> str:
        assert ctx.interface is not None
        tasks = describe_tasks(ctx.interface)
        if name in ctx.unit.host_globals:
            return (
                f"`{name}` is a host-module global: the sandbox cannot see host globals; "
                f"pass it as an input or call a task ({tasks})"
            )
        candidates: set[str] = set(known_names(ctx.interface)) - {"True", "False", "None"}
        for scope in load.scopes:
            candidates.update(ctx.bindings.get(_scope_key(scope), ()))
        close = difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.6)
        message = f"`{name}` is not defined"
        if close:
            message += ": did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
        else:
            message += ": define it before use, or declare it as an input"
        inputs = sorted(ctx.interface.input_names)
        message += f" ({tasks}"
        if inputs:
            message += "; inputs: " + ", ".join(f"`{i}`" for i in inputs)
        return message + ")"
