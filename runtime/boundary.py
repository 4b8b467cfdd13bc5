"""Values crossing into and out of the sandbox, checked against declared types.

The allowed types are defined once, in `sandbox_lint.typespec`. A live
annotation (`list[int]`, `Optional[File]`) is rendered to text and parsed by
that same parser, so the runtime and the checker cannot disagree about what a
boundary type is.

Each `TypeSpec` compiles once to a validator: a closure that returns the value
as it should cross (handles wrapped as opaque `ClassInstance`s on the way in,
ints widened to float where a float is declared) or raises `_Mismatch`, from
which the caller builds a `BoundaryTypeError` naming the value's path
(`inputs.items[3]: expected int, got str`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

from pydantic_monty import ClassInstance
from sandbox_lint.typespec import ANY, DisallowedType, TypeSpec, parse_annotation

from .errors import BoundaryTypeError
from .handles import HANDLE_TYPES, DataFrame, Dir, File

Direction = Literal["in", "out"]
Validator = Callable[[Any], Any]

_BUILTIN_NAMES = {int: "int", float: "float", str: "str", bool: "bool", bytes: "bytes", list: "list", dict: "dict", tuple: "tuple"}
_HANDLE_CLASSES = {cls: name for name, cls in HANDLE_TYPES.items()}


def render_annotation(annotation: Any) -> str:
    """Render a live annotation as source text for `parse_annotation`.

    Classes that merely share a handle's name (`flyte.io.File`, a user's
    `File`) render with their module, so they are not mistaken for handles.
    """
    if isinstance(annotation, str):
        return annotation
    if annotation is None or annotation is type(None):
        return "None"
    if annotation in _BUILTIN_NAMES:
        return _BUILTIN_NAMES[annotation]
    if annotation in _HANDLE_CLASSES:
        return _HANDLE_CLASSES[annotation]
    if isinstance(annotation, typing.ForwardRef):
        return annotation.__forward_arg__
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(render_annotation(arg) for arg in args)
    if origin in (list, dict, tuple):
        name = _BUILTIN_NAMES[origin]
        if not args:
            return name
        rendered = ["..." if arg is Ellipsis else render_annotation(arg) for arg in args]
        if origin is tuple and args == ((),):  # tuple[()]
            return "tuple[()]"
        return f"{name}[{', '.join(rendered)}]"
    if origin is not None:
        return repr(annotation).replace("typing.", "")
    if isinstance(annotation, type):
        module = annotation.__module__
        qualname = annotation.__qualname__
        return qualname if module == "builtins" else f"{module}.{qualname}"
    return repr(annotation)


def spec_from_annotation(annotation: Any) -> TypeSpec:
    """Parse a live annotation; raises `DisallowedType` for non-boundary types."""
    return parse_annotation(render_annotation(annotation))


def type_name(value: Any) -> str:
    if value is None:
        return "None"
    return type(value).__name__


class _Mismatch(Exception):
    """Internal: a value did not match. `parts` is the path below the root,
    outermost first once unwound."""

    def __init__(self, expected: str, got: str, detail: str = "") -> None:
        super().__init__(expected)
        self.parts: list[str] = []
        self.expected = expected
        self.got = got
        self.detail = detail


def _fail(spec_text: str, value: Any) -> _Mismatch:
    return _Mismatch(spec_text, type_name(value))


def _wrap_handle(value: Any) -> Any:
    return ClassInstance(value, eager_attrs=("_sbx_key",))


@lru_cache(maxsize=4096)
def compile_validator(spec: TypeSpec, direction: Direction) -> Validator:
    """A fast validator for `spec` in one direction (cached per spec)."""
    kind = spec.kind
    text = spec.render()

    if kind == "int":
        def check_int(v: Any) -> Any:
            if type(v) is int:
                return v
            raise _fail(text, v)
        return check_int
    if kind == "float":
        def check_float(v: Any) -> Any:
            t = type(v)
            if t is float:
                return v
            if t is int:
                return float(v)
            raise _fail(text, v)
        return check_float
    if kind in ("str", "bool", "bytes"):
        exact = {"str": str, "bool": bool, "bytes": bytes}[kind]

        def check_exact(v: Any) -> Any:
            if type(v) is exact:
                return v
            raise _fail(text, v)
        return check_exact
    if kind == "None":
        def check_none(v: Any) -> Any:
            if v is None:
                return v
            raise _fail(text, v)
        return check_none
    if kind in HANDLE_TYPES:
        cls = HANDLE_TYPES[kind]

        def check_handle(v: Any) -> Any:
            if isinstance(v, cls):
                return _wrap_handle(v) if direction == "in" else v
            raise _fail(text, v)
        return check_handle
    if kind == "list":
        item = compile_validator(spec.args[0] if spec.args else ANY, direction)

        def check_list(v: Any) -> Any:
            if type(v) is not list:
                raise _fail(text, v)
            out = []
            for index, element in enumerate(v):
                try:
                    out.append(item(element))
                except _Mismatch as exc:
                    exc.parts.append(f"[{index}]")
                    raise
            return out
        return check_list
    if kind == "tuple":
        if spec.variadic:
            element_check = compile_validator(spec.args[0] if spec.args else ANY, direction)
            fixed: list[Validator] | None = None
        else:
            element_check = None
            fixed = [compile_validator(arg, direction) for arg in spec.args]

        def check_tuple(v: Any) -> Any:
            if type(v) is not tuple:
                raise _fail(text, v)
            if fixed is not None and len(fixed) != len(v):
                raise _Mismatch(text, f"a tuple of {len(v)} items")
            out = []
            for index, element in enumerate(v):
                check = element_check if fixed is None else fixed[index]
                assert check is not None
                try:
                    out.append(check(element))
                except _Mismatch as exc:
                    exc.parts.append(f"[{index}]")
                    raise
            return tuple(out)
        return check_tuple
    if kind == "dict":
        key_check = compile_validator(spec.args[0] if spec.args else ANY, direction)
        value_check = compile_validator(spec.args[1] if len(spec.args) > 1 else ANY, direction)

        def check_dict(v: Any) -> Any:
            if type(v) is not dict:
                raise _fail(text, v)
            out = {}
            for key, element in v.items():
                try:
                    new_key = key_check(key)
                except _Mismatch as exc:
                    exc.parts.append(f"[{key!r}] (key)")
                    raise
                try:
                    out[new_key] = value_check(element)
                except _Mismatch as exc:
                    exc.parts.append(f"[{key!r}]")
                    raise
            return out
        return check_dict
    if kind == "union":
        alternatives = [compile_validator(arg, direction) for arg in spec.args]

        def check_union(v: Any) -> Any:
            deepest: _Mismatch | None = None
            for alternative in alternatives:
                try:
                    return alternative(v)
                except _Mismatch as exc:
                    if exc.parts and (deepest is None or len(exc.parts) > len(deepest.parts)):
                        deepest = exc
            if deepest is not None:  # the value had the right shape; report the inner mismatch
                raise deepest
            raise _fail(text, v)
        return check_union
    if kind == "any":
        return _compile_any(direction)
    raise DisallowedType(f"`{text}` is not a boundary type")  # pragma: no cover - parse_annotation prevents it


def _compile_any(direction: Direction) -> Validator:
    """Any boundary value: scalars, lists, tuples, dicts of those, handles."""
    scalars = (int, float, str, bool, bytes, type(None))
    handle_classes = (File, Dir, DataFrame)

    def check_any(v: Any) -> Any:
        t = type(v)
        if t in scalars:
            return v
        if t is list or t is tuple:
            out = []
            for index, element in enumerate(v):
                try:
                    out.append(check_any(element))
                except _Mismatch as exc:
                    exc.parts.append(f"[{index}]")
                    raise
            return out if t is list else tuple(out)
        if t is dict:
            result = {}
            for key, element in v.items():
                if type(key) not in (str, int, float, bool, bytes, tuple, type(None)):
                    bad_key = _Mismatch("a dict key of type str, int, float, bool or bytes", type_name(key))
                    bad_key.parts.append(f"[{key!r}] (key)")
                    raise bad_key
                try:
                    result[key] = check_any(element)
                except _Mismatch as exc:
                    exc.parts.append(f"[{key!r}]")
                    raise
            return result
        if isinstance(v, handle_classes):
            return _wrap_handle(v) if direction == "in" else v
        raise _Mismatch("a boundary value (int, float, str, bool, bytes, None, list, tuple, dict, File, Dir, DataFrame)", type_name(v))

    return check_any


def validate(value: Any, validator: Validator, path: str, *, output: str = "") -> Any:
    """Run `validator`; on mismatch raise `BoundaryTypeError` naming `path`."""
    try:
        return validator(value)
    except _Mismatch as exc:
        full = path + "".join(reversed(exc.parts))
        raise BoundaryTypeError(
            f"{full}: expected {exc.expected}, got {exc.got}", path=full, expected=exc.expected, got=exc.got, output=output
        ) from None


ANY_IN = compile_validator(ANY, "in")
ANY_OUT = compile_validator(ANY, "out")
