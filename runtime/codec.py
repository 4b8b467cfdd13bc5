"""Exact, bounded text encoding of boundary values, for the run journal and the task cache.

`encode(value, max_bytes=...)` turns a boundary value into JSON text that
`decode` turns back into an equal value of the very same types:

| value | encoded as |
|---|---|
| `str`, `bool`, `None`, `list` | the JSON value itself |
| `int` | a JSON number; beyond 64 bits `{"$i": "0x..."}` (any size, no digit limit) |
| `float` | a JSON number (`repr`, so exact, `-0.0` kept); `{"$f": "inf" / "-inf" / "nan"}` |
| `tuple` | `{"$t": [...]}` |
| `bytes` | `{"$b": "<base64>"}` |
| `dict` | a JSON object when every key is a `str` not starting with `$`; else `{"$d": [[k, v], ...]}` (any key type, order kept) |
| `File`, `Dir` | `{"$file": path}`, `{"$dir": path}` (the path or URI, never the contents; also as wrapped for the sandbox) |
| `DataFrame` | `{"$df": {"kind", "rows", "columns", "parquet"}}`: Parquet bytes, with `pyarrow` |
| exception | `{"$e": {"type", "args"}}`, see below |

The whole text is `[1, <value>]`, 1 being the format version. A string holding
lone surrogates (Monty never makes one, a host task might) is written with
`\\uXXXX` escapes, so the text is always valid UTF-8.

Exceptions are values in `map_task(..., return_exceptions=True)` results. A
builtin exception class is recorded by name with its `args` and restored as the
same class, when that rebuilds an exception of the same type and message. Any
other exception (a user's class, or args that are not boundary values) is
recorded as its nearest builtin base class with `str(exc)` as its one argument,
and its qualified name kept in `"was"`: `MyError(ValueError)` comes back as
`ValueError(str(original))`. This is exactly what the sandbox sees of it, since
Monty converts a host exception to its nearest builtin class and message.
Tracebacks, `__cause__` and notes are not kept.

`DataFrame` needs `pyarrow`: without it, or for a frame that does not survive
Parquet exactly (mixed-type object columns, say), `encode` raises
`NotReplayable`: the journal cannot hold that value, so the call runs again on
resume instead of being answered from the journal. pandas, pyarrow and polars
frames come back as the same kind.

Encoding is bounded: the encoder counts the output as it goes and stops with
`ValueTooLarge` as soon as `max_bytes` is passed. A value that shares
references (`a = [a, a]` forty times over, `[s] * 3000` with a 1 MB `s`) is
never expanded past the limit: each shared container is converted once and its
size counted once per reference. Nesting deeper than `MAX_DEPTH` and reference
cycles are refused too.

`digest(value)` hashes a canonical encoding (dict entries sorted, so equal
dicts in another order agree) for cache keys: equal for equal values, distinct
for `[1]` and `(1,)`, and for `1`, `1.0` and `True`.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import hashlib
import io
import json
import math
import reprlib
import struct
from collections.abc import Callable
from typing import Any

from pydantic_monty import ClassInstance

from .handles import DataFrame, Dir, File

FORMAT_VERSION = 1
MAX_DEPTH = 200
"""Containers nested deeper than this are refused (`NotReplayable`): the JSON
parser recurses, and a limit here keeps `decode` far from Python's own."""
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
"""A suggested limit for one recorded value; `encode` always takes it explicitly."""


class CodecError(Exception):
    """A value that cannot be recorded, or a text that is not a recorded value.
    `path` locates the offending part of the value (`[2]['name']`), if any."""

    def __init__(self, message: str, path: str = "") -> None:
        shown = path if len(path) <= 80 else f"{path[:40]}...{path[-30:]}"
        super().__init__(f"at value{shown}: {message}" if path else message)
        self.message = message
        self.path = path


class ValueTooLarge(CodecError):
    """The encoded value passes `max_bytes`. `size` is its size in bytes when
    `exact`, otherwise the count reached when the encoder stopped early."""

    def __init__(self, size: int, limit: int, *, exact: bool) -> None:
        self.size = size
        self.limit = limit
        self.exact = exact
        amount = f"{size} bytes" if exact else f"more than {limit} bytes (stopped counting at {size})"
        super().__init__(f"value too large to record: {amount} encoded, the limit is {limit} bytes")


class NotReplayable(CodecError):
    """A legitimate value the journal cannot hold exactly (a `DataFrame` without
    `pyarrow`, nesting deeper than `MAX_DEPTH`): the call re-runs on resume."""


class _TooLarge(Exception):
    """Internal: the running count passed the budget."""


class _Refused(Exception):
    """Internal: a part of the value cannot be recorded; `parts` is the path to
    it, innermost first, completed while unwinding."""

    def __init__(self, kind: type[CodecError], message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.parts: list[str] = []


_BUILTIN_EXCEPTIONS: dict[str, type[BaseException]] = {
    name: obj for name, obj in vars(builtins).items() if isinstance(obj, type) and issubclass(obj, BaseException)
}
_INT64 = 1 << 63
_NAN_BITS = struct.pack(">d", math.nan)
_FLOAT_SPECIAL = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _float_tag(value: float) -> dict[str, str]:
    if value == math.inf:
        return {"$f": "inf"}
    if value == -math.inf:
        return {"$f": "-inf"}
    bits = struct.pack(">d", value)
    return {"$f": "nan" if bits == _NAN_BITS else "nan:" + bits.hex()}  # other NaNs keep their sign and payload


class _Encoder:
    """One `encode` call: converts a value to JSON-ready data, counting bytes."""

    __slots__ = ("limit", "size", "canonical", "memo", "active")

    def __init__(self, limit: int, canonical: bool) -> None:
        self.limit = limit
        self.size = 0
        self.canonical = canonical
        # id -> (the object, kept alive so its id stays unique; its node; the node's size)
        self.memo: dict[int, tuple[Any, Any, int]] = {}
        self.active: set[int] = set()

    def count(self, n: int) -> None:
        self.size += n
        if self.size > self.limit:
            raise _TooLarge

    def node(self, value: Any, depth: int) -> Any:
        t = type(value)
        if t is str:
            self.count(len(value) + 3)
            return value
        if t is int:
            if -_INT64 <= value < _INT64:
                self.count(value.bit_length() * 3 // 10 + 2)
                return value
            text = hex(value)  # no digit limit, unlike str(int)
            self.count(len(text) + 10)
            return {"$i": text}
        if t is bool or value is None:
            self.count(5)
            return value
        if t is float:
            self.count(4)
            return value if math.isfinite(value) else _float_tag(value)
        if t is File:
            self.count(len(value.path) + 12)
            return {"$file": value.path}
        if t is Dir:
            self.count(len(value.path) + 11)
            return {"$dir": value.path}
        if t is list or t is tuple or t is dict or t is bytes or t is DataFrame or isinstance(value, BaseException):
            return self.shared(value, depth)
        if t is ClassInstance and type(value.value) in (File, Dir, DataFrame):
            return self.node(value.value, depth)  # a handle as it crosses into the sandbox: record the host handle
        raise _Refused(CodecError, f"cannot record a value of type {t.__module__}.{t.__qualname__}: not a boundary type")

    def shared(self, value: Any, depth: int) -> Any:
        """Containers, bytes, frames, exceptions: converted once per object,
        counted once per reference."""
        key = id(value)
        seen = self.memo.get(key)
        if seen is not None:
            self.count(seen[2])
            return seen[1]
        if key in self.active:
            raise _Refused(CodecError, "cannot record a value that contains itself (a reference cycle)")
        if depth >= MAX_DEPTH:
            raise _Refused(NotReplayable, f"cannot record a value nested deeper than {MAX_DEPTH} levels")
        before = self.size
        self.active.add(key)
        try:
            t = type(value)
            if t is list:
                node: Any = self.sequence(value, depth)
            elif t is tuple:
                self.count(8)
                node = {"$t": self.sequence(value, depth)}
            elif t is dict:
                node = self.mapping(value, depth)
            elif t is bytes:
                self.count((len(value) + 2) // 3 * 4 + 9)
                node = {"$b": base64.b64encode(value).decode("ascii")}
            elif t is DataFrame:
                node = self.frame(value)
            else:
                node = self.exception(value, depth)
        finally:
            self.active.discard(key)
        self.memo[key] = (value, node, self.size - before)
        return node

    def sequence(self, items: list[Any] | tuple[Any, ...], depth: int) -> list[Any]:
        self.count(2)
        out = []
        for index, item in enumerate(items):
            try:
                out.append(self.node(item, depth + 1))
            except _Refused as exc:
                exc.parts.append(f"[{index}]")
                raise
        return out

    def mapping(self, value: dict[Any, Any], depth: int) -> Any:
        self.count(2)
        if all(type(k) is str and not k.startswith("$") for k in value):
            plain = {}
            for k, v in value.items():
                self.count(len(k) + 3)
                try:
                    plain[k] = self.node(v, depth + 1)
                except _Refused as exc:
                    exc.parts.append(f"[{_short(k)}]")
                    raise
            return plain
        self.count(8)
        pairs = []
        for k, v in value.items():
            try:
                pair = [self.node(k, depth + 1), None]
            except _Refused as exc:
                exc.parts.append(f"[{_short(k)}] (key)")
                raise
            try:
                pair[1] = self.node(v, depth + 1)
            except _Refused as exc:
                exc.parts.append(f"[{_short(k)}]")
                raise
            pairs.append(pair)
        if self.canonical:
            # by key, then by value: distinct keys can encode alike (two NaNs)
            pairs.sort(key=lambda pair: json.dumps(pair, sort_keys=True, ensure_ascii=True))
        return {"$d": pairs}

    def exception(self, exc: BaseException, depth: int) -> Any:
        cls = type(exc)
        message = str(exc)
        if _BUILTIN_EXCEPTIONS.get(cls.__name__) is cls:
            start = self.size
            rebuild_args = exc.args
            if isinstance(exc, OSError) and len(exc.args) == 2 and (exc.filename, exc.filename2) != (None, None):
                rebuild_args = (*exc.args, exc.filename, None, exc.filename2)  # str() shows the file names
            try:
                args = self.sequence(rebuild_args, depth)
                rebuilt = cls(*rebuild_args)
                if type(rebuilt) is cls and str(rebuilt) == message:
                    return {"$e": {"type": cls.__name__, "args": args}}
            except (_Refused, TypeError, ValueError):
                pass  # args that are not boundary values, or that do not rebuild it: the generic form
            self.size = start
        base = next(c for c in cls.__mro__ if _BUILTIN_EXCEPTIONS.get(c.__name__) is c)
        self.count(len(message) + len(cls.__module__) + len(cls.__qualname__) + len(base.__name__) + 40)
        generic: dict[str, Any] = {"type": base.__name__, "args": [message]}
        if base is not cls:
            generic["was"] = f"{cls.__module__}.{cls.__qualname__}"
        return {"$e": generic}

    def frame(self, handle: DataFrame) -> Any:
        data, kind, rows, columns = _frame_to_parquet(handle.value)
        self.count((len(data) + 2) // 3 * 4 + 60 + sum(len(c) + 3 for c in columns))
        return {"$df": {"kind": kind, "rows": rows, "columns": columns, "parquet": base64.b64encode(data).decode("ascii")}}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _encode_tree(value: Any, max_bytes: int, canonical: bool) -> str:
    if type(max_bytes) is not int or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive int, got {max_bytes!r}")
    encoder = _Encoder(max_bytes, canonical)
    try:
        tree = [FORMAT_VERSION, encoder.node(value, 0)]
    except _TooLarge:
        raise ValueTooLarge(encoder.size, max_bytes, exact=False) from None
    except _Refused as exc:
        raise exc.kind(exc.message, "".join(reversed(exc.parts))) from None
    try:
        text = json.dumps(tree, ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=canonical)
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps the JSON shallow
        raise NotReplayable("value nested too deeply to record") from None
    if text.isascii():
        size = len(text)
    else:
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:  # lone surrogates: escape them so the text stays valid UTF-8
            text = json.dumps(tree, ensure_ascii=True, allow_nan=False, separators=(",", ":"), sort_keys=canonical)
            size = len(text)
    if size > max_bytes:
        raise ValueTooLarge(size, max_bytes, exact=True)
    return text


_dump_str = json.JSONEncoder(ensure_ascii=False).encode


def _scalar_text(value: Any) -> str | None:
    """The JSON of a plain scalar exactly as the full encoder writes it, or None
    when the value needs the full encoder (the journal's hot path: task
    arguments and results are mostly ints and short strings)."""
    t = type(value)
    if t is int:
        return str(value) if -_INT64 <= value < _INT64 else None
    if t is str:
        return _dump_str(value) if value.isascii() else None  # non-ASCII: sizes and surrogates
    if t is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if t is float:
        return float.__repr__(value) if math.isfinite(value) else None
    return None


def _checked(text: str, max_bytes: int) -> str:
    if len(text) > max_bytes:  # ASCII only: characters are bytes
        raise ValueTooLarge(len(text), max_bytes, exact=True)
    return text


def encode(value: Any, *, max_bytes: int) -> str:
    """The value as JSON text of at most `max_bytes` UTF-8 bytes.

    Raises `ValueTooLarge` past the limit, `NotReplayable` for a value the
    journal cannot hold exactly, `CodecError` for a non-boundary value.
    """
    text = _scalar_text(value)
    if text is not None and type(max_bytes) is int and max_bytes > 0:
        return _checked(f"[{FORMAT_VERSION},{text}]", max_bytes)
    return _encode_tree(value, max_bytes, canonical=False)


def encode_arguments(args: tuple[Any, ...], kwargs: dict[str, Any], *, max_bytes: int) -> str:
    """A task call's arguments, as the journal stores them (`runs show` renders
    this shape as `task(a, b, k=v)`)."""
    if not kwargs and type(max_bytes) is int and max_bytes > 0 and len(args) <= 8:
        parts = [_scalar_text(a) for a in args]
        if None not in parts:
            return _checked(f'[{FORMAT_VERSION},{{"$t":[{{"$t":[{",".join(parts)}]}},{{}}]}}]', max_bytes)  # type: ignore[arg-type]
    return encode((tuple(args), dict(kwargs)), max_bytes=max_bytes)


def digest(value: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """A stable hex digest of the value's canonical encoding (for cache keys)."""
    text = _encode_tree(value, max_bytes, canonical=True)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


# --------------------------------------------------------------------- decoding


class _FramePlaceholder:
    """What `preview` shows for a recorded frame, without reading the Parquet."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.text = f"DataFrame({spec.get('kind')}, {spec.get('rows')} rows x {len(spec.get('columns') or [])} columns)"

    def __repr__(self) -> str:
        return self.text


class _ExceptionPlaceholder:
    def __init__(self, name: str, args: list[Any]) -> None:
        self.text = f"{name}({', '.join(repr(a) for a in args)})"

    def __repr__(self) -> str:
        return self.text


def _tag_decoder(preview: bool) -> Callable[[list[tuple[str, Any]]], Any]:
    def hook(pairs: list[tuple[str, Any]]) -> Any:
        if len(pairs) != 1 or not pairs[0][0].startswith("$"):
            result = dict(pairs)
            if len(result) != len(pairs) or any(k.startswith("$") for k in result):
                raise CodecError("not a recorded value: malformed object")
            return result
        tag, body = pairs[0]
        if tag == "$t" and type(body) is list:
            return tuple(body)
        if tag == "$b" and type(body) is str:
            return base64.b64decode(body, validate=True)
        if tag == "$d" and type(body) is list:
            if not all(type(pair) is list and len(pair) == 2 for pair in body):
                raise CodecError("not a recorded value: malformed dict entries")
            return {k: v for k, v in body}
        if tag == "$i" and type(body) is str:
            return int(body, 16)
        if tag == "$f" and type(body) is str:
            if body in _FLOAT_SPECIAL:
                return _FLOAT_SPECIAL[body]
            if body.startswith("nan:"):
                special: float = struct.unpack(">d", bytes.fromhex(body[4:]))[0]
                if math.isnan(special):
                    return special
            raise CodecError(f"not a recorded value: bad float {body!r}")
        if tag == "$file" and type(body) is str:
            return File(body)
        if tag == "$dir" and type(body) is str:
            return Dir(body)
        if tag == "$e" and type(body) is dict:
            return _exception_from(body, preview)
        if tag == "$df" and type(body) is dict:
            return _FramePlaceholder(body) if preview else DataFrame(_frame_from_parquet(body))
        raise CodecError(f"not a recorded value: unknown tag {tag!r}")

    return hook


_HOOK = _tag_decoder(preview=False)
_PREVIEW_HOOK = _tag_decoder(preview=True)


def _exception_from(body: dict[str, Any], preview: bool) -> Any:
    name = body.get("type")
    args = body.get("args")
    cls = _BUILTIN_EXCEPTIONS.get(name) if type(name) is str else None
    if cls is None or type(args) is not list:
        raise CodecError(f"not a recorded value: bad exception {name!r}")
    if preview:
        was = body.get("was")
        return _ExceptionPlaceholder(str(was).rpartition(".")[2] if was else cls.__name__, args)
    try:
        return cls(*args)
    except Exception as exc:
        raise CodecError(f"not a recorded value: cannot rebuild {name}: {exc}") from None


def _reject_constant(name: str) -> Any:
    raise CodecError(f"not a recorded value: bare {name}")


def _decode(text: str, hook: Callable[[list[tuple[str, Any]]], Any]) -> Any:
    if not isinstance(text, str):
        raise CodecError(f"not a recorded value: expected text, got {type(text).__name__}")
    try:
        tree = json.loads(text, object_pairs_hook=hook, parse_constant=_reject_constant)
    except CodecError:
        raise
    except RecursionError:
        raise CodecError("not a recorded value: nested too deeply") from None
    except (ValueError, TypeError, binascii.Error, struct.error) as exc:  # JSONDecodeError is a ValueError
        raise CodecError(f"not a recorded value: {exc}") from None
    if type(tree) is not list or len(tree) != 2 or tree[0] != FORMAT_VERSION or type(tree[0]) is not int:
        version = tree[0] if type(tree) is list and tree else None
        raise CodecError(f"not a recorded value of format {FORMAT_VERSION} (format {version!r})")
    return tree[1]


_plain_loads = json.JSONDecoder().decode


def decode(text: str) -> Any:
    """The value `encode` recorded. `CodecError` for text that is not one;
    `NotReplayable` for a frame when `pyarrow` is missing here."""
    if (
        type(text) is str and len(text) < 200 and text.startswith("[1,") and "{" not in text
        and "N" not in text and "I" not in text
    ):
        # No object (no tag) and no NaN/Infinity token: plain JSON reads the same value
        # (the journal's hot path: replayed scalars and short lists).
        try:
            tree = _plain_loads(text)
        except ValueError:
            tree = None
        if type(tree) is list and len(tree) == 2:
            return tree[1]
    return _decode(text, _HOOK)


def decode_arguments(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The `(args, kwargs)` that `encode_arguments` recorded."""
    value = decode(text)
    if type(value) is not tuple or len(value) != 2 or type(value[0]) is not tuple or type(value[1]) is not dict:
        raise CodecError("not a recorded argument list")
    return value[0], value[1]


class _PreviewRepr(reprlib.Repr):
    def repr_bytes(self, value: bytes, level: int) -> str:  # reprlib's default reprs it whole first
        text = repr(value[: self.maxstring])
        return text if len(value) <= self.maxstring else text[:-1] + "..." + text[-1]


_PREVIEW = _PreviewRepr()
_PREVIEW.maxlevel = 4
_PREVIEW.maxlist = _PREVIEW.maxtuple = _PREVIEW.maxdict = 6
_PREVIEW.maxstring = 40
_PREVIEW.maxother = 60
_PREVIEW.maxlong = 40


def preview(text: str | None, limit: int = 80) -> str:
    """A short, one-line rendering of a recorded value for people (never raises;
    frames are not read). Recorded arguments render as `a, b, k=v`."""
    if text is None:
        return ""
    try:
        value = _decode(text, _PREVIEW_HOOK)
    except CodecError as exc:
        return _clip(f"<unreadable: {exc}>", limit)
    if type(value) is tuple and len(value) == 2 and type(value[0]) is tuple and type(value[1]) is dict:
        parts = [_PREVIEW.repr(a) for a in value[0]] + [f"{k}={_PREVIEW.repr(v)}" for k, v in value[1].items()]
        return _clip(", ".join(parts), limit)
    return _clip(_PREVIEW.repr(value), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


# ------------------------------------------------------------------- frames


def _frame_kind(frame: Any) -> str:
    return type(frame).__module__.partition(".")[0]


def _frame_to_parquet(frame: Any) -> tuple[bytes, str, int, list[str]]:
    """Parquet bytes of a pandas, pyarrow or polars frame, checked to read back equal."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise _Refused(NotReplayable, "recording a DataFrame needs pyarrow (pip install pyarrow)") from None
    kind = _frame_kind(frame)
    try:
        if kind == "pandas":
            table = pa.Table.from_pandas(frame)
        elif kind == "pyarrow" and isinstance(frame, pa.Table):
            table = frame
        elif kind == "polars":
            table = frame.to_arrow()
        else:
            raise _Refused(NotReplayable, f"cannot record a DataFrame of {type(frame).__module__}.{type(frame).__qualname__}")
        sink = io.BytesIO()
        pq.write_table(table, sink)
        data = sink.getvalue()
        back = _table_to_kind(pq.read_table(io.BytesIO(data)), kind)
        same = _same_frame(frame, back, kind)
    except _Refused:
        raise
    except Exception as exc:
        raise _Refused(NotReplayable, f"the DataFrame does not convert to Parquet: {type(exc).__name__}: {exc}") from None
    if not same:
        raise _Refused(NotReplayable, "the DataFrame does not survive a Parquet round trip exactly")
    columns = frame.columns if kind == "pandas" else table.column_names  # not pandas' index columns
    return data, kind, int(table.num_rows), [str(name) for name in columns]


def _table_to_kind(table: Any, kind: str) -> Any:
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars

        return polars.from_arrow(table)
    return table


def _same_frame(original: Any, back: Any, kind: str) -> bool:
    if kind == "pandas":
        return bool(
            type(back) is type(original)
            and list(back.columns) == list(original.columns)
            and list(back.dtypes) == list(original.dtypes)
            and back.index.equals(original.index)
            and back.equals(original)
        )
    return bool(type(back) is type(original) and back.equals(original))


def _frame_from_parquet(spec: dict[str, Any]) -> Any:
    data = spec.get("parquet")
    kind = spec.get("kind")
    if type(data) is not str or kind not in ("pandas", "pyarrow", "polars"):
        raise CodecError("not a recorded value: malformed DataFrame")
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise NotReplayable("reading a recorded DataFrame needs pyarrow (pip install pyarrow)") from None
    try:
        table = pq.read_table(io.BytesIO(base64.b64decode(data, validate=True)))
    except Exception as exc:
        raise CodecError(f"not a recorded value: unreadable Parquet: {type(exc).__name__}: {exc}") from None
    try:
        return _table_to_kind(table, kind)
    except ImportError:
        raise NotReplayable(f"reading a recorded {kind} DataFrame needs {kind} installed") from None
