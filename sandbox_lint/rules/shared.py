"""Helpers more than one rule uses; rules import this module and `base`, never each other.

- names: what a name in sandbox code refers to (tasks, inputs, builtins);
  kept tiny and cached, they run on every `Name` and `Call` node;
- values: the source of an operand, parenthesized where precedence needs it;
- assignment targets: every non-name target of a binding statement, and the
  advice for rebinding the container instead (SBX102, SBX115);
- boundary types: why an annotation is outside the boundary set
  (SBX301–SBX303).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import libcst as cst

from ..builtins import PROVIDED
from ..interface import Interface, TaskSignature
from ..tree import contains
from ..typespec import ALLOWED_SUMMARY, DisallowedType, parse_annotation_node
from .base import Context, code_of, shorten

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
    if interface is None or type(func) is not cst.Name:
        return None
    name = func.value
    if name not in task_names(interface) or ctx.is_local(name):
        return None
    return _task_by_name(interface).get(name)


def _task_by_name(interface: Interface) -> dict[str, TaskSignature]:
    cached = _by_name.get(id(interface))
    if cached is not None and cached[0] is interface:
        return cached[1]
    table = {task.name: task for task in interface.tasks}
    if len(_by_name) >= _CACHE_SIZE:
        _by_name.clear()
    _by_name[id(interface)] = (interface, table)
    return table


_by_name: dict[int, tuple[Interface, dict[str, TaskSignature]]] = {}


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


# ---------------------------------------------------------------- values

# Values that need no parentheses on the right of any binary operator.
_ATOMS = (
    cst.Name, cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString,
    cst.Call, cst.Attribute, cst.Subscript, cst.List, cst.Tuple, cst.Dict, cst.ListComp, cst.DictComp,
)


def operand(value: cst.BaseExpression) -> str:
    """The value's source, parenthesized unless it is an atom or already parenthesized."""
    text = code_of(value)
    if isinstance(value, _ATOMS) or value.lpar:
        return text
    return f"({text})"


# ---------------------------------------------------------------- assignment targets

# Statements and clauses whose `target` field binds: the places SBX102 and SBX115 look.
TARGET_OWNERS: tuple[type[cst.CSTNode], ...] = (
    cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor,
)

STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


@dataclass(frozen=True)
class Site:
    """One non-name target: where it is assigned and, when known, the value it gets."""

    target: cst.BaseExpression
    kind: str  # "assign", "unpack", "augmented", "annotation", "for", "comprehension"
    value: str | None  # source of the assigned value, when the statement shows it
    iterable: str | None = None  # for loops and comprehensions


_UNPACKING = (cst.Tuple, cst.List)


def _non_name_leaves(target: cst.BaseExpression) -> list[tuple[cst.BaseExpression, bool]]:
    """Leaves of a target that are not plain names, with whether they sit inside unpacking."""
    found: list[tuple[cst.BaseExpression, bool]] = []
    stack: list[tuple[cst.BaseExpression, bool]] = [(target, False)]
    while stack:
        expr, unpacked = stack.pop()
        kind = type(expr)
        if kind is cst.Name:
            continue
        if kind in _UNPACKING:
            stack.extend((element.value, True) for element in reversed(expr.elements))  # type: ignore[attr-defined]
        elif kind is cst.StarredElement:
            stack.append((expr.value, True))  # type: ignore[attr-defined]
        else:
            found.append((expr, unpacked))
    return found


def target_sites(node: cst.CSTNode, ctx: Context) -> Iterator[Site]:
    """Every target under `node` (one of TARGET_OWNERS) that is not a plain name.

    Tuples, lists and starred elements are unpacked; the leaves are yielded
    (a subscript or attribute leaf is not entered further: `d[k][j] = v` is
    one target). Plain-name targets, the common case, cost one type check;
    the assigned value's source is only rendered when a leaf is found.
    """
    target = node.target  # type: ignore[attr-defined]
    if type(target) is cst.Name:
        return
    leaves = _non_name_leaves(target)
    if not leaves:
        return
    value: str | None = None
    iterable: str | None = None
    if isinstance(node, cst.AssignTarget):
        kind = "assign"
        parent = ctx.parent
        if isinstance(parent, cst.Assign):
            value = code_of(parent.value)
    elif isinstance(node, cst.AugAssign):
        kind = "augmented"
        symbol = code_of(node.operator).strip()[:-1]
        value = f"{code_of(target)} {symbol} {operand(node.value)}"
    elif isinstance(node, cst.AnnAssign):
        kind = "assign" if node.value is not None else "annotation"
        value = code_of(node.value) if node.value is not None else None
    else:
        assert isinstance(node, (cst.For, cst.CompFor))
        kind = "for" if isinstance(node, cst.For) else "comprehension"
        iterable = code_of(node.iter)
    for expr, unpacked in leaves:
        if unpacked and kind == "assign":
            yield Site(expr, "unpack", None)
        else:
            yield Site(expr, kind, value, iterable)


def rebind(base: cst.BaseExpression, new_value: str) -> str:
    """`name = new_value` when the container is a name; otherwise ask for a new binding."""
    if isinstance(base, cst.Name):
        return f"write `{base.value} = {new_value}`"
    return f"build the new value `{new_value}` and bind it to a name"


Builder = Callable[[str], str]


def replacement_advice(site: Site, build: Builder) -> str:
    """The replacement for one target, worded for where it stands.

    `build(value_text)` says how to build the new container holding `value_text`.
    """
    if site.kind in ("assign", "augmented") and site.value is not None:
        return build(shorten(site.value))
    if site.kind == "unpack":
        return f"unpack into a name (`value`), then {build('value')}"
    if site.kind == "for":
        return f"loop over a name (`for item in {shorten(site.iterable or '...')}:`) and {build('item')} in the body"
    if site.kind == "comprehension":
        return "use a plain name as the comprehension target and build the new value from the result"
    return "annotate plain names only"


# ---------------------------------------------------------------- boundary types

def type_problem(node: cst.BaseExpression) -> DisallowedType | None:
    """Why a type expression is outside the boundary types, or None when it is allowed."""
    try:
        parse_annotation_node(node)
    except DisallowedType as problem:
        return problem
    except Exception:  # a malformed annotation must become a finding, not a crash
        return DisallowedType("this annotation cannot be read as a type", node)
    return None


def offending_part(problem: DisallowedType, expression: cst.BaseExpression) -> cst.CSTNode:
    """The part of `expression` to report on (string annotations are parsed into new nodes)."""
    target = problem.node
    if target is None or not contains(expression, target):
        return expression
    return target


def allowed_note() -> str:
    return f"allowed types are {ALLOWED_SUMMARY}"
