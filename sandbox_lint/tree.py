"""The libcst tree without libcst's visitor machinery: children, names, roles.

Shared by the walker (`engine.py`), discovery and the rules. Exact-type checks
against the set of concrete node classes replace `isinstance` against libcst's
abstract bases, which is several times slower on the hot path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter

import libcst as cst

SCOPES = (cst.FunctionDef, cst.Lambda, cst.ListComp, cst.DictComp, cst.GeneratorExp, cst.SetComp)
SCOPE_TYPES = frozenset(SCOPES)

ROLE_BIND = 1
ROLE_ATTR = 2  # `x.attr`: the attribute name
ROLE_KEYWORD = 3  # `f(key=...)`: the keyword
ROLE_DECLARE = 4  # names in `global`/`nonlocal`, import aliases: neither load nor new local


def _all_node_types() -> frozenset[type]:
    found: set[type] = set()
    stack: list[type] = [cst.CSTNode]
    while stack:
        klass = stack.pop()
        found.add(klass)
        stack.extend(klass.__subclasses__())
    return frozenset(found)


# Exact-type membership is several times faster than isinstance() against
# libcst's abstract base classes, and this loop runs once per node.
NODE_TYPES = _all_node_types()
_FIELDS: dict[type, tuple[str, ...]] = {}


# Fields that only ever hold whitespace, comments, punctuation, operators or
# the `async` keyword. No construct lives there, so the walk skips them (rules
# read `node.operator` / `node.asynchronous` directly where they matter); this
# halves the nodes visited.
_SKIPPED_FIELDS = frozenset(
    {
        "colon", "comma", "dot", "equal", "first_colon", "second_colon", "footer", "header",
        "lbrace", "lbracket", "rbrace", "rbracket", "lpar", "rpar", "leading_lines",
        "leading_whitespace", "lines_after_decorators", "newline", "semicolon",
        "trailing_whitespace", "operator", "asynchronous", "relative", "empty_lines",
        "trailing_comma", "separator",
    }
)


def _field_names(node_type: type) -> tuple[str, ...]:
    names = _FIELDS.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS[node_type] = names
    return names


def _no_fields(node: cst.CSTNode) -> tuple[object, ...]:  # noqa: ARG001
    return ()


def field_getter(node_type: type) -> Callable[[cst.CSTNode], tuple[object, ...]]:
    """The node type's child-holding fields, read in one C-level call."""
    names = _field_names(node_type)
    if not names:
        getter: Callable[[cst.CSTNode], tuple[object, ...]] = _no_fields
    elif len(names) == 1:
        one = attrgetter(names[0])

        def getter(node: cst.CSTNode) -> tuple[object, ...]:
            return (one(node),)
    else:
        getter = attrgetter(*names)
    GETTERS[node_type] = getter
    return getter


GETTERS: dict[type, Callable[[cst.CSTNode], tuple[object, ...]]] = {}


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Direct children in source order, without libcst's visitor machinery."""
    out: list[cst.CSTNode] = []
    node_types = NODE_TYPES
    getter = GETTERS.get(type(node)) or field_getter(type(node))
    for value in getter(node):
        kind = type(value)
        if kind in node_types:
            out.append(value)  # type: ignore[arg-type]
        elif kind is tuple or kind is list:
            for item in value:  # type: ignore[attr-defined]
                if type(item) in node_types:
                    out.append(item)
    return out


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def has_top_level_await(module: cst.Module) -> bool:
    """A script that awaits at module level runs as async code."""
    stack: list[cst.CSTNode] = list(module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Await):
            return True
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        stack.extend(children(node))
    return False


def contains(root: cst.CSTNode, target: cst.CSTNode) -> bool:
    """True when `target` is `root` or a node under it (by identity)."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        item = stack.pop()
        if item is target:
            return True
        stack.extend(children(item))
    return False
