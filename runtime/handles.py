"""`File`, `Dir` and `DataFrame`: host values the sandbox may hold but never open.

Inside the sandbox a handle is an opaque object: it has no readable attribute
and no method, it cannot be constructed, and it compares equal to another
handle exactly when the two are equal on the host. A task receives the very
object that was passed in (identity, not a copy).

Equality in the sandbox is served by one private attribute, `_sbx_key`, sent
with the handle: the checker forbids every `_` name (SBX201), and the key is a
digest, so even ungated code learns nothing about the path from it.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any


class _PathHandle:
    """A path or URI on the host side; compared and hashed by (kind, path)."""

    __slots__ = ("path", "_sbx_key")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        text = os.fspath(path)
        if not isinstance(text, str) or not text:
            raise TypeError(f"{type(self).__name__} needs a non-empty path or URI, got {path!r}")
        self.path: str = text
        digest = hashlib.blake2b(f"{type(self).__name__}\0{text}".encode(), digest_size=12).hexdigest()
        self._sbx_key: str = digest

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _PathHandle) and type(other) is type(self) and other.path == self.path

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.path))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def __fspath__(self) -> str:
        return self.path


class File(_PathHandle):
    """A file on the host, by local path or URI (`s3://bucket/key`)."""

    __slots__ = ()


class Dir(_PathHandle):
    """A directory on the host, by local path or URI."""

    __slots__ = ()


class DataFrame:
    """A data frame held by the host: wraps a pandas, pyarrow or polars frame.

    The frame library is an optional dependency; any object is accepted. Two
    handles are equal only when they wrap the same frame object.
    """

    __slots__ = ("value", "_sbx_key")

    def __init__(self, value: Any) -> None:
        if isinstance(value, DataFrame):
            value = value.value
        self.value: Any = value
        self._sbx_key: str = uuid.uuid5(uuid.NAMESPACE_OID, f"df:{id(value)}").hex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DataFrame) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)

    def __repr__(self) -> str:
        shape = getattr(self.value, "shape", None)
        kind = f"{type(self.value).__module__}.{type(self.value).__qualname__}"
        return f"DataFrame({kind}, shape={shape})" if shape is not None else f"DataFrame({kind})"

    def to_pandas(self) -> Any:
        """The wrapped frame as pandas (converting pyarrow/polars frames)."""
        value = self.value
        if type(value).__module__.startswith("pandas"):
            return value
        for name in ("to_pandas", "to_pandas_df"):
            convert = getattr(value, name, None)
            if callable(convert):
                return convert()
        raise TypeError(f"cannot convert {type(value).__qualname__} to pandas")


HANDLE_TYPES: dict[str, type] = {"File": File, "Dir": Dir, "DataFrame": DataFrame}


def handle_key(value: File | Dir | DataFrame) -> str:
    """The stable identity used in call keys (never the frame's contents)."""
    return f"{type(value).__name__}:{value._sbx_key}"
