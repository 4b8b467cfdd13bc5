"""Values crossing into and out of the sandbox: measured, then checked against declared types.

The allowed types are defined once, in `sandbox_lint.typespec`. A live
annotation (`list[int]`, `Optional[File]`) is rendered to text and parsed by
that same parser, so the runtime and the checker cannot disagree about what a
boundary type is.

Each `TypeSpec` compiles once to a validator: a closure that returns the value
as it should cross (handles wrapped as opaque `ClassInstance`s on the way in,
ints widened to float where a float is declared) or raises `_Mismatch`, from
which the caller builds a `BoundaryTypeError` naming the value's path
(`inputs.items[3]: expected int, got str`). Leaving the sandbox a container is
returned as it is unless a part changed (copy on change), so a value whose
parts are shared (`a = [a, a]`) stays shared instead of becoming a tree.

Before that, a value leaving the sandbox is measured (`Budget.charge`, or
`measure`): its expanded size, each reference counted every time it is
reached (what any consumer, `repr` or `json.dumps`, materialises), and its
depth, in one pass that stops at the budget. pydantic-monty hands the host one
Python object per sandbox object, shared where the sandbox shared it, so the
pass memoises by identity and costs the number of distinct objects, not the
expanded size. docs/runtime.md ("The boundary budget") has the measurements.

Monty sends some sandbox objects out as text: a host function as its
`__name__`, a sandbox function as `<function 'g' at 0x..>`, an un-awaited call
as `<coroutine external_future(N)>`, a range or an iterator as its repr. Out
of the sandbox such a text is a value of the wrong kind (`not_a_value` says
which object it stands for). Task names resolve in the sandbox to host
functions named `task_marker_name(name)`, which carries a per-process random
part, so a task passed as a value is recognised exactly.
"""

from __future__ import annotations

import re
import reprlib
import secrets
import sys
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any, Literal

from pydantic_monty import ClassInstance
from sandbox_lint.typespec import ANY, DisallowedType, TypeSpec, parse_annotation

from .errors import BoundaryTypeError, LimitExceeded
from .handles import HANDLE_TYPES, DataFrame, Dir, File
from .limits import Limits

Direction = Literal["in", "out"]
Validator = Callable[[Any], Any]
Describe = Callable[[str], "str | None"]
"""Renders Monty's text for a non-value with what the run knows (which task
call an un-awaited `external_future(N)` is); None keeps the generic words."""

_BUILTIN_NAMES = {int: "int", float: "float", str: "str", bool: "bool", bytes: "bytes", list: "list", dict: "dict", tuple: "tuple"}
_HANDLE_CLASSES = {cls: name for name, cls in HANDLE_TYPES.items()}

# ------------------------------------------------------------ text that is not a value

_MARKER_NONCE = secrets.token_hex(4)
_MARKER_TAIL = f" {_MARKER_NONCE})"
_MARKER = re.compile(rf"(?P<name>.+) \((?:task|builtin) {_MARKER_NONCE}\)", re.DOTALL)


def task_marker_name(name: str, *, builtin: bool = False) -> str:
    """The `__name__` of the host function the sandbox name `name` resolves to.

    Monty passes a host function out of the sandbox as its `__name__`; this
    one carries a per-process random part, so `ident(add)` arrives as a text
    no program writes by accident and is refused as a task, instead of
    passing as the string `'add'`."""
    return f"{name} ({'builtin' if builtin else 'task'} {_MARKER_NONCE})"


def marker_target(text: str) -> str | None:
    """The name behind a `task_marker_name` text, else None."""
    if not text.endswith(_MARKER_TAIL):
        return None
    match = _MARKER.fullmatch(text)
    return match.group("name") if match else None


_NOT_A_VALUE = re.compile(
    r"<coroutine external_future\((?P<call>\d+)\)>"
    r"|<coroutine object (?P<coroutine>[^>]*)>"
    r"|<function '(?P<function>[^']*)' at 0x[0-9a-f]+>"
    r"|<function (?P<builtin>\S+) at 0x[0-9a-f]+>"
    r"|<(?P<object>[a-z_]+) object>"
    r"|dict_(?P<view>keys|values|items)\(.*\)"
    r"|(?P<range>range)\(-?\d+, -?\d+(?:, -?\d+)?\)"
    r"|(?P<slice>slice)\(.*\)"
    r"|(?P<cycle>\[\.\.\.\]|\{\.\.\.\})",
    re.DOTALL,
)
_SUSPECT_PREFIXES = ("<", "dict_", "range(", "slice(", "[...]", "{...}")


def not_a_value(text: str) -> str | None:
    """What sandbox object `text` stands for when it is the text Monty sends
    for a function, a task, a coroutine, an iterator, a view, a range or a
    slice; None for any other text."""
    target = marker_target(text)
    if target is not None:
        return f"the task `{target}` itself instead of a value (call it: `{target}(...)`)"
    if not text.startswith(_SUSPECT_PREFIXES):
        return None
    match = _NOT_A_VALUE.fullmatch(text)
    if match is None:
        return None
    kind = match.lastgroup
    if kind == "call":
        return "an un-awaited task call (write `await` before the call, or pass it to gather)"
    if kind == "coroutine":
        return f"an un-awaited coroutine `{match.group('coroutine')}` (write `await` before the call)"
    if kind in ("function", "builtin"):
        return f"a function (`{match.group(kind)}`) instead of a value"
    if kind == "object":
        return f"a {match.group('object')} object (pass a list: `list(...)`)"
    if kind == "view":
        return f"a dict_{match.group('view')} view (pass a list: `list(...)`)"
    if kind == "cycle":
        return "a value that contains itself (Monty sends the repeated reference as this text)"
    return f"a {kind} object (pass a list: `list(...)`)"


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
    outermost first once unwound; `detail` is the text behind a non-value."""

    def __init__(self, expected: str, got: str, detail: str = "") -> None:
        super().__init__(expected)
        self.parts: list[str] = []
        self.expected = expected
        self.got = got
        self.detail = detail


def _fail(spec_text: str, value: Any) -> _Mismatch:
    if type(value) is str:
        got = not_a_value(value)
        if got is not None:
            return _Mismatch(spec_text, got, detail=value)
    return _Mismatch(spec_text, type_name(value))


def _wrap_handle(value: Any) -> Any:
    return ClassInstance(value, eager_attrs=("_sbx_key",))


def _checked_elements(v: Sequence[Any], checks: Iterable[Validator], copy: bool) -> list[Any] | None:
    """The elements of `v`, each through its check (`checks` in order), as a
    new list; None when no check changed anything and `copy` is off (the caller
    keeps `v` itself, so what was shared stays shared)."""
    out: list[Any] | None = [] if copy else None
    for index, (element, check) in enumerate(zip(v, checks)):
        try:
            new = check(element)
        except _Mismatch as exc:
            exc.parts.append(f"[{index}]")
            raise
        if out is None:
            if new is element:
                continue
            out = list(v[:index])
        out.append(new)
    return out


def _checked_items(v: dict[Any, Any], key_check: Validator, value_check: Validator, copy: bool) -> dict[Any, Any]:
    """`v` with its keys and values checked; `v` itself when nothing changed and `copy` is off."""
    out: dict[Any, Any] | None = {} if copy else None
    for index, (key, element) in enumerate(v.items()):
        try:
            new_key = key_check(key)
        except _Mismatch as exc:
            exc.parts.append(f"[{short_repr(key)}] (key)")
            raise
        try:
            new = value_check(element)
        except _Mismatch as exc:
            exc.parts.append(f"[{short_repr(key)}]")
            raise
        if out is None:
            if new is element and new_key is key:
                continue
            out = dict(list(v.items())[:index])
        out[new_key] = new
    return v if out is None else out


@lru_cache(maxsize=4096)
def compile_validator(spec: TypeSpec, direction: Direction) -> Validator:
    """A fast validator for `spec` in one direction (cached per spec)."""
    kind = spec.kind
    text = spec.render()
    copy = direction == "in"  # leaving the sandbox: copy on change, so shared parts stay shared

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
    if kind == "str" and direction == "out":
        def check_text_out(v: Any) -> Any:
            if type(v) is str:
                if (v.startswith(_SUSPECT_PREFIXES) or v.endswith(_MARKER_TAIL)) and not_a_value(v) is not None:
                    raise _fail(text, v)
                return v
            raise _fail(text, v)
        return check_text_out
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
            out = _checked_elements(v, repeat(item), copy)
            return v if out is None else out
        return check_list
    if kind == "tuple":
        fixed: list[Validator] | None = None
        if spec.variadic:
            element_check = compile_validator(spec.args[0] if spec.args else ANY, direction)
        else:
            fixed = [compile_validator(arg, direction) for arg in spec.args]

        def check_tuple(v: Any) -> Any:
            if type(v) is not tuple:
                raise _fail(text, v)
            if fixed is not None and len(fixed) != len(v):
                raise _Mismatch(text, f"a tuple of {len(v)} items")
            out = _checked_elements(v, repeat(element_check) if fixed is None else fixed, copy)
            return v if out is None else tuple(out)
        return check_tuple
    if kind == "dict":
        key_check = compile_validator(spec.args[0] if spec.args else ANY, direction)
        value_check = compile_validator(spec.args[1] if len(spec.args) > 1 else ANY, direction)

        def check_dict(v: Any) -> Any:
            if type(v) is not dict:
                raise _fail(text, v)
            return _checked_items(v, key_check, value_check, copy)
        return check_dict
    if kind == "union":
        alternatives = [compile_validator(arg, direction) for arg in spec.args]

        def check_union(v: Any) -> Any:
            deepest: _Mismatch | None = None
            for alternative in alternatives:
                try:
                    return alternative(v)
                except _Mismatch as exc:
                    if (exc.parts or exc.detail) and (deepest is None or len(exc.parts) > len(deepest.parts)):
                        deepest = exc
            if deepest is not None:  # the value had the right shape; report the inner mismatch
                raise deepest
            raise _fail(text, v)
        return check_union
    if kind == "any":
        return _compile_any(direction)
    raise DisallowedType(f"`{text}` is not a boundary type")  # pragma: no cover - parse_annotation prevents it


def _compile_any(direction: Direction) -> Validator:
    """Any boundary value: scalars, lists, tuples, dicts of those, handles.
    Dict keys are checked as deeply as values: a tuple key holds values too."""
    scalars = (int, float, bool, bytes, type(None))
    key_types = (str, int, float, bool, bytes, tuple, type(None))
    handle_classes = (File, Dir, DataFrame)
    copy = direction == "in"
    text_check = compile_validator(parse_annotation("str"), direction)

    def check_key(key: Any) -> Any:
        if type(key) not in key_types:
            raise _Mismatch("a dict key of type str, int, float, bool, bytes, None or a tuple of those", type_name(key))
        return check_any(key)

    def check_any(v: Any) -> Any:
        t = type(v)
        if t in scalars:
            return v
        if t is str:
            return text_check(v)
        if t is list or t is tuple:
            out = _checked_elements(v, repeat(check_any), copy)
            if out is None:
                return v
            return out if t is list else tuple(out)
        if t is dict:
            return _checked_items(v, check_key, check_any, copy)
        if isinstance(v, handle_classes):
            return _wrap_handle(v) if direction == "in" else v
        raise _Mismatch("a boundary value (int, float, str, bool, bytes, None, list, tuple, dict, File, Dir, DataFrame)", type_name(v))

    return check_any


def validate(value: Any, validator: Validator, path: str, *, output: str = "", describe: Describe | None = None) -> Any:
    """Run `validator`; on mismatch raise `BoundaryTypeError` naming `path`."""
    try:
        return validator(value)
    except _Mismatch as exc:
        raise mismatch_error(exc, path, output=output, describe=describe) from None


def mismatch_error(exc: _Mismatch, path: str, *, output: str = "", describe: Describe | None = None) -> BoundaryTypeError:
    full = path + "".join(reversed(exc.parts))
    got = exc.got
    if exc.detail and describe is not None:
        got = describe(exc.detail) or got
    return BoundaryTypeError(
        f"{shorten_path(full)}: expected {exc.expected}, got {got}", path=full, expected=exc.expected, got=got, output=output
    )


def short_repr(value: Any, limit: int = 40) -> str:
    """A key as it appears in a path: its repr, cut to `limit` characters
    (never the repr of a whole long string)."""
    if type(value) in (str, bytes) and len(value) > limit:
        value = value[:limit]
    if type(value) in (list, tuple, dict):
        text = _SHORT.repr(value)
    elif type(value) is int and value.bit_length() > 14_000:  # more digits than `repr` writes
        text = f"<int of {value.bit_length()} bits>"
    else:
        try:
            text = repr(value)
        except Exception:  # a proxy whose repr fails still has a type
            text = f"<{type_name(value)}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxstring = _SHORT.maxother = 40
_SHORT.maxlong = 40


def shorten_path(path: str, limit: int = 160) -> str:
    """A path for a message: a deeply nested one keeps its two ends."""
    if len(path) <= limit:
        return path
    keep = limit // 2 - 12
    return f"{path[:keep]}...({len(path) - 2 * keep} more characters)...{path[-keep:]}"


ANY_IN = compile_validator(ANY, "in")
ANY_OUT = compile_validator(ANY, "out")


# ------------------------------------------------------------------ the budget

_LEAF_TYPES = frozenset({int, float, bool, type(None), str, bytes})
_CONTAINER_TYPES = frozenset({list, tuple, dict, set, frozenset})
_SMALL_INT = 1 << 64
_END: Any = object()
_UNBOUNDED = sys.maxsize


def _text_size(text: str) -> int:
    """UTF-8 length without one big encoded copy (a lone surrogate counts 3, as escaped)."""
    if text.isascii():
        return len(text)
    step = 1 << 20
    return sum(len(text[i : i + step].encode("utf-8", "surrogatepass")) for i in range(0, len(text), step))


class _Frame:
    """A container being measured: its children, and the counts when it started."""

    __slots__ = ("value", "children", "is_dict", "index", "key", "pending", "at_key", "items", "size", "depth", "height")

    def __init__(self, value: Any, depth: int, items: int, size: int) -> None:
        self.value = value
        self.is_dict = type(value) is dict
        if self.is_dict:
            self.children: Any = iter(value.items())
        elif isinstance(value, BaseException):
            self.children = iter(value.args)
        else:
            self.children = iter(value)
        self.index = -1
        self.key: Any = None
        self.pending: Any = _END
        self.at_key = False
        self.items = items
        self.size = size
        self.depth = depth
        self.height = 1

    def next_child(self) -> Any:
        if self.is_dict:
            if self.pending is not _END:
                value, self.pending, self.at_key = self.pending, _END, False
                return value
            pair = next(self.children, None)
            if pair is None:
                return _END
            self.index += 1
            self.key, self.pending = pair
            self.at_key = True
            return self.key
        self.index += 1
        return next(self.children, _END)

    def child_part(self) -> str:
        if self.is_dict:
            return f"[{short_repr(self.key)}]" + (" (key)" if self.at_key else "")
        if isinstance(self.value, BaseException):
            return f".args[{self.index}]"
        if type(self.value) in (set, frozenset):
            return f"{{element {self.index}}}"
        return f"[{self.index}]"


class _Stop(Exception):
    """Internal: measuring passed a limit (`kind` items/bytes/depth/cycle) at `path`."""

    def __init__(self, kind: str, count: int, path: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.count = count
        self.path = path


def _measure(value: Any, path: str, max_items: int, max_bytes: int, max_depth: int) -> tuple[int, int]:
    """The expanded (items, bytes) of `value`, or `_Stop` at the first limit passed.

    Each distinct container is walked once (memoised by identity) and a shared
    one adds its counts once per reference; a value that contains itself never
    ends, expanded, and stops as a cycle. Plain scalars inside a container are
    counted in a tight loop: they are most of any large value."""
    memo: dict[int, tuple[int, int, int]] = {}
    active: set[int] = set()
    stack: list[_Frame] = []
    items = size = 0
    current = value
    depth = 1

    def stop(kind: str, count: int, pushed: bool) -> _Stop:
        frames = stack[:-1] if pushed else stack
        return _Stop(kind, count, path + "".join(frame.child_part() for frame in frames))

    while True:
        if current is not _END:
            t = type(current)
            height = 1
            if t in _LEAF_TYPES:
                items += 1
                if t is str:
                    size += len(current) if current.isascii() else _text_size(current)
                elif t is bytes:
                    size += len(current)
                elif t is int and not -_SMALL_INT < current < _SMALL_INT:
                    size += (current.bit_length() + 7) // 8
            elif t in _CONTAINER_TYPES or isinstance(current, BaseException):
                key = id(current)
                seen = memo.get(key)
                if seen is not None:
                    items += seen[0]
                    size += seen[1]
                    height = seen[2]
                elif key in active:
                    raise stop("cycle", items, False)
                else:
                    if depth > max_depth:
                        raise stop("depth", depth, False)
                    active.add(key)
                    stack.append(_Frame(current, depth, items, size))
                    items += 1
                    if items > max_items:
                        raise stop("items", items, True)
                    height = 0  # known when its children are
            else:  # a handle, or an object the validators will refuse
                items += 1
            if height:
                if depth + height - 1 > max_depth:
                    raise stop("depth", depth + height - 1, False)
                if items > max_items:
                    raise stop("items", items, False)
                if size > max_bytes:
                    raise stop("bytes", size, False)
                if stack and stack[-1].height <= height:
                    stack[-1].height = height + 1
        if not stack:
            return items, size
        frame = stack[-1]
        if not frame.is_dict and frame.depth < max_depth:
            # the fast lane: small scalars need no frame, no memo and no depth check
            current = _END
            index = frame.index
            scalars = False
            for child in frame.children:
                index += 1
                t = type(child)
                if t is str and child.isascii():
                    size += len(child)
                elif not (t is int and -_SMALL_INT < child < _SMALL_INT) and t is not float and t is not bool and child is not None:
                    current = child
                    break
                items += 1
                scalars = True
                if items > max_items or size > max_bytes:
                    frame.index = index
                    raise stop("items" if items > max_items else "bytes", items if items > max_items else size, False)
            frame.index = index
            if scalars and frame.height < 2:
                frame.height = 2
        elif frame.is_dict and frame.depth < max_depth and frame.pending is _END:
            current = _END
            index = frame.index
            scalars = False
            for key, child in frame.children:
                index += 1
                t = type(key)
                if t is str and key.isascii():
                    size += len(key)
                elif not (t is int and -_SMALL_INT < key < _SMALL_INT) and t is not float and t is not bool and key is not None:
                    frame.key, frame.pending, frame.at_key = key, child, True
                    current = key
                    break
                items += 1
                scalars = True
                t = type(child)
                if t is str and child.isascii():
                    size += len(child)
                elif not (t is int and -_SMALL_INT < child < _SMALL_INT) and t is not float and t is not bool and child is not None:
                    frame.key, frame.at_key = key, False
                    current = child
                    break
                items += 1
                if items > max_items or size > max_bytes:
                    frame.index, frame.key = index, key
                    raise stop("items" if items > max_items else "bytes", items if items > max_items else size, False)
            frame.index = index
            if scalars and frame.height < 2:
                frame.height = 2
        else:
            current = frame.next_child()
        if current is not _END:
            depth = frame.depth + 1
            continue
        stack.pop()
        key = id(frame.value)
        active.discard(key)
        memo[key] = (items - frame.items, size - frame.size, frame.height)
        if stack and stack[-1].height <= frame.height:
            stack[-1].height = frame.height + 1


def check_depth(value: Any, path: str, max_depth: int) -> None:
    """Raise `LimitExceeded(limit='value_depth')` for a value nested deeper than
    `max_depth` (or containing itself): values entering the sandbox, which are
    the host's own and not bounded in size here."""
    if type(value) in _LEAF_TYPES:
        return
    try:
        _measure(value, path, _UNBOUNDED, _UNBOUNDED, max_depth)
    except _Stop as stopped:
        if stopped.kind == "cycle":
            raise LimitExceeded(
                f"{shorten_path(stopped.path)}: the value contains itself (a reference cycle), so it cannot cross the sandbox boundary",
                limit="value_depth", value=max_depth, path=stopped.path, size=None,
            ) from None
        raise LimitExceeded(
            f"{shorten_path(stopped.path)}: the value is nested deeper than max_value_depth={max_depth} levels",
            limit="value_depth", value=max_depth, path=stopped.path, size=stopped.count,
        ) from None


def measure_value(value: Any, path: str, *, max_items: int, max_bytes: int, max_depth: int) -> tuple[int, int]:
    """The expanded (items, bytes) of `value` within explicit bounds, or
    `LimitExceeded` (`value_items`, `value_bytes`, `value_depth`) naming the path."""
    try:
        return _measure(value, path, max_items, max_bytes, max_depth)
    except _Stop as stopped:
        limit, setting, unit = {
            "items": ("value_items", max_items, "items"), "cycle": ("value_items", max_items, "items"),
            "bytes": ("value_bytes", max_bytes, "bytes"), "depth": ("value_depth", max_depth, "levels"),
        }[stopped.kind]
        raise LimitExceeded(
            f"{shorten_path(stopped.path)}: more than {setting} {unit}", limit=limit, value=setting,
            path=stopped.path, size=stopped.count,
        ) from None


class Budget:
    """What may still leave the sandbox in one run.

    `charge(value, path)` measures one value leaving the sandbox (the result,
    one call's arguments, one `map_task`'s iterables) against
    `max_value_items`/`max_value_bytes`/`max_value_depth`, takes it from the
    run's `max_transfer_*`, and raises `LimitExceeded` naming the limit, the
    path where the budget ran out and the count reached there. Shared parts
    are never expanded: a container is measured once, its counts added once
    per reference.
    """

    __slots__ = ("limits", "max_items", "max_bytes", "max_depth", "items_left", "bytes_left")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.max_items = int(limits.max_value_items)
        self.max_bytes = int(limits.max_value_bytes)
        self.max_depth = limits.outbound_depth
        self.items_left = int(limits.max_transfer_items)
        self.bytes_left = int(limits.max_transfer_bytes)

    def charge_flat(self, values: tuple[Any, ...]) -> bool:
        """The common case in one cheap step: a few ints, floats, bools, None
        and ASCII strings. False when the values need the full measurement."""
        items = 0
        size = 0
        for value in values:
            t = type(value)
            if t is str:
                if not value.isascii():
                    return False
                size += len(value)
            elif t is int:
                if not -_SMALL_INT < value < _SMALL_INT:
                    return False
            elif t is not float and t is not bool and value is not None:
                return False
            items += 1
        if items > self.max_items or items > self.items_left or size > self.max_bytes or size > self.bytes_left:
            return False
        self.items_left -= items
        self.bytes_left -= size
        return True

    def charge(self, value: Any, path: str) -> None:
        """One value leaves the sandbox (the result): measure it, take it from the run's budget."""
        if type(value) not in _LEAF_TYPES or not self.charge_flat((value,)):
            self.charge_parts([(path, value)])

    def charge_parts(self, parts: list[tuple[str, Any]]) -> None:
        """One value made of parts leaves the sandbox (a call's arguments, each
        with its own path): the parts share the one value's budget."""
        max_items = min(self.max_items, self.items_left)
        max_bytes = min(self.max_bytes, self.bytes_left)
        items = size = 0
        for path, value in parts:
            try:
                part_items, part_size = _measure(value, path, max_items - items, max_bytes - size, self.max_depth)
            except _Stop as stopped:
                if stopped.kind == "items":
                    stopped.count += items
                elif stopped.kind == "bytes":
                    stopped.count += size
                raise self._exceeded(stopped) from None
            items += part_items
            size += part_size
        self.items_left -= items
        self.bytes_left -= size

    def _exceeded(self, stopped: _Stop) -> LimitExceeded:
        where = shorten_path(stopped.path)
        limits = self.limits
        if stopped.kind == "depth":
            if limits.max_stack_depth < limits.max_value_depth:
                setting = f"max_stack_depth={limits.max_stack_depth} (Monty cannot pass deeper values out)"
            else:
                setting = f"max_value_depth={limits.max_value_depth}"
            return LimitExceeded(
                f"{where}: a value leaving the sandbox is nested deeper than {self.max_depth} levels ({setting}); "
                "flatten it", limit="value_depth", value=self.max_depth, path=stopped.path, size=stopped.count,
            )
        if stopped.kind == "cycle":
            return LimitExceeded(
                f"{where}: a value leaving the sandbox contains itself (a reference cycle): expanded, it never ends",
                limit="value_items", value=self.max_items, path=stopped.path, size=None,
            )
        shared = "counting a shared part once for each reference to it, as `repr` or `json.dumps` would expand it"
        if stopped.kind == "items":
            if stopped.count > self.max_items:
                return LimitExceeded(
                    f"{where}: a value leaving the sandbox has more than max_value_items={self.max_items} items "
                    f"({shared}; stopped counting at {stopped.count}); return or pass less, or raise max_value_items",
                    limit="value_items", value=self.max_items, path=stopped.path, size=stopped.count,
                )
            return LimitExceeded(
                f"{where}: the values leaving the sandbox in this run passed max_transfer_items={limits.max_transfer_items} "
                f"items ({shared}); pass less to tasks, or raise max_transfer_items",
                limit="transfer_items", value=limits.max_transfer_items, path=stopped.path, size=stopped.count,
            )
        if stopped.count > self.max_bytes:
            return LimitExceeded(
                f"{where}: a value leaving the sandbox has more than max_value_bytes={self.max_bytes} bytes of text "
                f"({shared}; stopped counting at {stopped.count}); return or pass less, or raise max_value_bytes",
                limit="value_bytes", value=self.max_bytes, path=stopped.path, size=stopped.count,
            )
        return LimitExceeded(
            f"{where}: the values leaving the sandbox in this run passed max_transfer_bytes={limits.max_transfer_bytes} "
            f"bytes of text ({shared}); pass less to tasks, or raise max_transfer_bytes",
            limit="transfer_bytes", value=limits.max_transfer_bytes, path=stopped.path, size=stopped.count,
        )
