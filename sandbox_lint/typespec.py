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

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst

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

    def __init__(self, message: str, node: cst.CSTNode | None = None) -> None:  # noqa: F821
        super().__init__(message)
        self.node = node


def _strip_module(name: str) -> str:
    for prefix in ("typing.", "t.", "builtins.", "runtime.", "flyte.io.", "flyte."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def parse_annotation_node(node: cst.BaseExpression) -> TypeSpec:
    """Parse an annotation expression of the CST; raises DisallowedType naming the bad part."""
    return _interpret(node, _CstView())


def parse_annotation(text: str) -> TypeSpec:
    """Parse annotation source text (`"list[int] | None"`). CPython's parser reads
    it (the runtime reads task annotations without importing libcst); the
    interpretation is the one `parse_annotation_node` uses."""
    source = text.strip()
    try:
        expr = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise DisallowedType(f"`{text}` is not a valid annotation") from None
    return _interpret(expr, _AstView(source))


# One reading of an annotation over two trees. A view classifies a node as
# ("none",) ("str", value | None) ("or", left, right) ("name", dotted)
# ("sub", dotted | None, base, args | None) ("ellipsis",) or ("other",);
# `args` is None when an element is a slice.


class _CstView:
    def classify(self, node: Any) -> tuple[Any, ...]:
        import libcst as cst

        from .tree import dotted_name

        if isinstance(node, cst.Name) and node.value == "None":
            return ("none",)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return ("str", value if isinstance(value, str) else None)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return ("or", node.left, node.right)
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = dotted_name(node)
            if name is not None:
                return ("name", name)
        if isinstance(node, cst.Subscript):
            elements = [el.slice for el in node.slice]
            args = None if any(not isinstance(el, cst.Index) for el in elements) else [
                el.value for el in elements if isinstance(el, cst.Index)
            ]
            return ("sub", dotted_name(node.value), node.value, args)
        if isinstance(node, cst.Ellipsis):
            return ("ellipsis",)
        return ("other",)

    def describe(self, node: Any) -> str:
        import libcst as cst

        try:
            return cst.Module([]).code_for_node(node)
        except Exception:  # pragma: no cover - codegen of a detached node
            return type(node).__name__

    def culprit(self, node: Any) -> Any:
        return node


class _AstView:
    def __init__(self, source: str) -> None:
        self.source = source

    def classify(self, node: Any) -> tuple[Any, ...]:
        if isinstance(node, ast.Constant):
            if node.value is None:
                return ("none",)
            if node.value is Ellipsis:
                return ("ellipsis",)
            if isinstance(node.value, (str, bytes)):
                return ("str", node.value if isinstance(node.value, str) else None)
            return ("other",)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return ("or", node.left, node.right)
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = ast_dotted_name(node)
            if name is not None:
                return ("name", name)
        if isinstance(node, ast.Subscript):
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            args = None if any(isinstance(el, ast.Slice) for el in elements) else list(elements)
            return ("sub", ast_dotted_name(node.value), node.value, args)
        return ("other",)

    def describe(self, node: Any) -> str:
        return ast.get_source_segment(self.source, node) or ast.unparse(node)

    def culprit(self, node: Any) -> Any:
        return None  # text has no CST node to point at


def ast_dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a Name/Attribute chain of CPython's tree, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = ast_dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _interpret(node: Any, view: _CstView | _AstView) -> TypeSpec:
    shape = view.classify(node)
    kind = shape[0]

    def refuse(message: str, at: Any = node) -> DisallowedType:
        return DisallowedType(message, view.culprit(at))

    def each(part: Any) -> TypeSpec:
        return _interpret(part, view)

    if kind == "none":
        return TypeSpec("None")
    if kind == "str":
        if shape[1] is None:
            raise refuse("a bytes annotation is not a type")
        return parse_annotation(shape[1])
    if kind == "or":
        return _union([each(shape[1]), each(shape[2])])
    if kind == "name":
        name = shape[1]
        short = _strip_module(name)
        if short in SCALARS or short in HANDLES:
            return TypeSpec(short)
        if short in CONTAINERS:
            container = CONTAINERS[short]
            if container == "tuple":
                return TypeSpec("tuple", (ANY,), variadic=True)
            if container == "dict":
                return TypeSpec("dict", (ANY, ANY))
            return TypeSpec("list", (ANY,))
        raise refuse(f"`{name}` is not a boundary type")
    if kind == "sub":
        _, base, base_node, args = shape
        generic = _strip_module(base) if base is not None else None
        if args is None:
            raise refuse("slices are not type arguments")
        if generic in CONTAINERS:
            container = CONTAINERS[generic]
            if container == "list":
                if len(args) != 1:
                    raise refuse("list takes one type argument: list[T]")
                return TypeSpec("list", (each(args[0]),))
            if container == "dict":
                if len(args) != 2:
                    raise refuse("dict takes two type arguments: dict[K, V]")
                key = each(args[0])
                if key.kind not in ("str", "int", "bool", "float", "bytes", "any"):
                    raise refuse("dict keys must be str, int, float, bool or bytes", args[0])
                return TypeSpec("dict", (key, each(args[1])))
            ellipses = [view.classify(a)[0] == "ellipsis" for a in args]
            if len(args) == 2 and ellipses[1]:
                return TypeSpec("tuple", (each(args[0]),), variadic=True)
            if any(ellipses):
                raise refuse("`...` is only allowed as tuple[T, ...]")
            return TypeSpec("tuple", tuple(each(a) for a in args))
        if generic == "Optional":
            if len(args) != 1:
                raise refuse("Optional takes one type argument")
            return _union([each(args[0]), TypeSpec("None")])
        if generic == "Union":
            return _union([each(a) for a in args])
        raise refuse(f"`{view.describe(base_node)}[...]` is not a boundary type")
    raise refuse(f"`{view.describe(node)}` is not a boundary type")


def _union(parts: list[TypeSpec]) -> TypeSpec:
    flat: list[TypeSpec] = []
    for part in parts:
        for item in part.args if part.kind == "union" else (part,):
            if item not in flat:
                flat.append(item)
    return flat[0] if len(flat) == 1 else TypeSpec("union", tuple(flat))


