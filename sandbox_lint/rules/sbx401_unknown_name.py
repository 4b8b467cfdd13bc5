from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import libcst as cst

from ..builtins import FORBIDDEN_BUILTINS
from ..interface import Interface
from .base import Context, Invalid, Replacement, Rule, Valid
from .shared import describe_inputs, describe_tasks, known_names, suggester
from .suggestions import is_bindable


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
    No automatic fix: which name was meant is a guess. The closest
    candidate the message offers comes as a display fix, never applied by
    `--fix`. Candidates are names the sandbox accepts (no private or
    forbidden names). Looking for them is bounded: close names are searched
    among those sharing the first letter (or the last letter and nearly
    the length), remembered per name, and within a budget of comparisons
    per unit, so a flood of unknown names costs no more than the budget
    (the first ones still get suggestions).
    """

    code = "SBX401"
    name = "unknown-name"
    summary = "this name is not defined in the sandbox"
    category = "names"
    inspects = (cst.Name,)
    suggests = True
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
            message, fix = self._message(name, load, ctx)
            ctx.report(self, load.node, message, fix, anchor=load.anchor)

    def _message(self, name: str, load: Load, ctx: Context) -> tuple[str, Replacement | None]:
        interface = ctx.interface
        assert interface is not None
        tasks = describe_tasks(interface)
        if name in ctx.unit.host_globals:
            return (
                f"`{name}` is a host-module global: the sandbox cannot see host globals; "
                f"pass it as an input or call a task ({tasks})"
            ), None
        bindings = ctx.bindings
        pools: list[tuple[object, Callable[[], Iterable[str]]]] = [
            (id(interface), lambda: known_names(interface) - {"True", "False", "None"})
        ]
        for scope in load.scopes:
            key = _scope_key(scope)
            pools.append((("scope", key), functools.partial(_bound, bindings, key)))
        close = [c for c in suggester(ctx).close(name, pools, n=3) if _offerable(c, interface, ctx)]
        message = f"`{name}` is not defined"
        fix = None
        if close:
            message += ": did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
            fix = Replacement(load.node, close[0], f"Use `{close[0]}`", "display")
        else:
            message += ": define it before use, or declare it as an input"
        message += f" ({tasks}"
        inputs = describe_inputs(interface)
        if inputs:
            message += "; inputs: " + inputs
        return message + ")", fix


def _bound(bindings: dict[int, set[str]], key: int) -> set[str]:
    return bindings.get(key, set())


def _offerable(name: str, interface: Interface, ctx: Context) -> bool:
    """A candidate that brings no finding of its own (not private, not forbidden)."""
    return name in known_names(interface) or is_bindable(name, ctx)
