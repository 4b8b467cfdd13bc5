"""What a name in sandbox code refers to: helpers shared by the name rules.

Kept tiny and cached: these run on every `Name` and `Call` node.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import libcst as cst

from ..builtins import PROVIDED
from ..interface import Interface, TaskSignature

if TYPE_CHECKING:
    from ..engine import Context

# Per-interface name sets, looked up by identity on every Name and Call node.
# Entries keep their interface alive, so an id is never reused while cached.
_cache: dict[int, tuple[Interface, frozenset[str], frozenset[str]]] = {}
_CACHE_SIZE = 32


def _names(interface: Interface) -> tuple[frozenset[str], frozenset[str]]:
    cached = _cache.get(id(interface))
    if cached is not None and cached[0] is interface:
        return cached[1], cached[2]
    tasks = interface.task_names
    known = tasks | interface.input_names | PROVIDED
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[id(interface)] = (interface, tasks, known)
    return tasks, known


def task_names(interface: Interface) -> frozenset[str]:
    return _names(interface)[0]


def known_names(interface: Interface) -> frozenset[str]:
    """Tasks, inputs and every provided builtin: names that need no local binding."""
    return _names(interface)[1]


def folded(name: str) -> str:
    """The name Python actually binds (identifiers are NFKC-normalized)."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def called_task(node: cst.Call, ctx: Context) -> TaskSignature | None:
    """The task `node` calls by name, unless a local binding seen so far hides it.

    Bindings made later in the same scope are not seen; rebinding a task name
    is SBX402 on its own, so such code is reported either way.
    """
    interface = ctx.interface
    func = node.func
    if interface is None or not isinstance(func, cst.Name):
        return None
    name = func.value
    if name not in task_names(interface) or ctx.is_local(name):
        return None
    return interface.task(name)


def provided_call(node: cst.Call, ctx: Context, names: frozenset[str]) -> str | None:
    """The name when `node` calls one of `names` (builtins) not rebound locally."""
    func = node.func
    if not isinstance(func, cst.Name) or func.value not in names or ctx.is_local(func.value):
        return None
    return func.value


def describe_tasks(interface: Interface) -> str:
    names = sorted(task_names(interface))
    if not names:
        return "no tasks are available"
    return "available tasks: " + ", ".join(f"`{name}`" for name in names)
