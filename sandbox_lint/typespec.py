"""The types allowed at the sandbox boundary (SPEC §2, SBX301–SBX303).

One parser serves the checker (annotation text from the CST) and the runtime
(annotations of live functions, rendered to text first), so both agree on
what is allowed:

    int float str bool bytes None
    list, dict, tuple (bare or generic; tuple[T, ...])
    Optional[T], Union[A, B], A | B
    File Dir DataFrame

`typing.` / `t.` prefixes and `List/Dict/Tuple` spellings are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .tree import dotted_name

SCALARS = frozenset({"int", "float", "str", "bool", "bytes", "None"})
HANDLES = frozenset({"File", "Dir", "DataFrame"})
CONTAINERS = {"list": "list", "List": "list", "dict": "dict", "Dict": "dict", "tuple": "tuple", "Tuple": "tuple"}
ALLOWED_SUMMARY = (
    "int, float, str, bool, bytes, None, list[T], dict[K, V], tuple[T, ...], "
    "Optional[T], A | B, File, Dir, DataFrame"
)


@dataclass(frozen=True)
class TypeSpec:
    """A parsed boundary type.

    kind: a scalar name, a handle name, "list", "dict", "tuple", "union" or "any"
    (the element type of a bare `list`/`dict`/`tuple`). `args` are the type
    arguments; `variadic` marks `tuple[T, ...]`.
    """

    kind: str
    args: tuple[TypeSpec, ...] = ()
    variadic: bool = False

    def render(self) -> str:
        if self.kind == "union":
            return " | ".join(arg.render() for arg in self.args)
        if not self.args:
            return self.kind
        inner = ", ".join(arg.render() for arg in self.args)
        if self.variadic:
            inner += ", ..."
        return f"{self.kind}[{inner}]"


ANY = TypeSpec("any")


class DisallowedType(ValueError):
    """An annotation outside the boundary types; `node` is the offending part."""

    def __init__(self, message: str, node: cst.CSTNode | None = None) -> None:
        super().__init__(message)
        self.node = node


def _strip_module(name: str) -> str:
    for prefix in ("typing.", "t.", "builtins.", "runtime.", "flyte.io.", "flyte."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _describe(node: cst.CSTNode) -> str:
    try:
        return cst.Module([]).code_for_node(node)
    except Exception:  # pragma: no cover - codegen of a detached node
        return type(node).__name__


def parse_annotation_node(node: cst.BaseExpression) -> TypeSpec:
    """Parse an annotation expression; raises DisallowedType naming the bad part."""
    if isinstance(node, cst.Name) and node.value == "None":
        return TypeSpec("None")
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        if not isinstance(value, str):
            raise DisallowedType("a bytes annotation is not a type", node)
        return parse_annotation(value)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left = parse_annotation_node(node.left)
        right = parse_annotation_node(node.right)
        return _union([left, right])
    name = dotted_name(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
    if name is not None:
        short = _strip_module(name)
        if short in SCALARS or short in HANDLES:
            return TypeSpec(short)
        if short in CONTAINERS:
            kind = CONTAINERS[short]
            if kind == "tuple":
                return TypeSpec("tuple", (ANY,), variadic=True)
            if kind == "dict":
                return TypeSpec("dict", (ANY, ANY))
            return TypeSpec("list", (ANY,))
        raise DisallowedType(f"`{name}` is not a boundary type", node)
    if isinstance(node, cst.Subscript):
        base = dotted_name(node.value)
        generic = _strip_module(base) if base is not None else None
        elements = [el.slice for el in node.slice]
        if any(not isinstance(el, cst.Index) for el in elements):
            raise DisallowedType("slices are not type arguments", node)
        args = [el.value for el in elements if isinstance(el, cst.Index)]
        if generic in CONTAINERS:
            kind = CONTAINERS[generic]
            if kind == "list":
                if len(args) != 1:
                    raise DisallowedType("list takes one type argument: list[T]", node)
                return TypeSpec("list", (parse_annotation_node(args[0]),))
            if kind == "dict":
                if len(args) != 2:
                    raise DisallowedType("dict takes two type arguments: dict[K, V]", node)
                key = parse_annotation_node(args[0])
                if key.kind not in ("str", "int", "bool", "float", "bytes", "any"):
                    raise DisallowedType("dict keys must be str, int, float, bool or bytes", args[0])
                return TypeSpec("dict", (key, parse_annotation_node(args[1])))
            if len(args) == 2 and isinstance(args[1], cst.Ellipsis):
                return TypeSpec("tuple", (parse_annotation_node(args[0]),), variadic=True)
            if any(isinstance(a, cst.Ellipsis) for a in args):
                raise DisallowedType("`...` is only allowed as tuple[T, ...]", node)
            return TypeSpec("tuple", tuple(parse_annotation_node(a) for a in args))
        if generic == "Optional":
            if len(args) != 1:
                raise DisallowedType("Optional takes one type argument", node)
            return _union([parse_annotation_node(args[0]), TypeSpec("None")])
        if generic == "Union":
            return _union([parse_annotation_node(a) for a in args])
        raise DisallowedType(f"`{_describe(node.value)}[...]` is not a boundary type", node)
    raise DisallowedType(f"`{_describe(node)}` is not a boundary type", node)


def _union(parts: list[TypeSpec]) -> TypeSpec:
    flat: list[TypeSpec] = []
    for part in parts:
        for item in part.args if part.kind == "union" else (part,):
            if item not in flat:
                flat.append(item)
    return flat[0] if len(flat) == 1 else TypeSpec("union", tuple(flat))


def parse_annotation(text: str) -> TypeSpec:
    """Parse annotation source text (`"list[int] | None"`)."""
    try:
        expr = cst.parse_expression(text.strip())
    except Exception:
        raise DisallowedType(f"`{text}` is not a valid annotation") from None
    return parse_annotation_node(expr)
