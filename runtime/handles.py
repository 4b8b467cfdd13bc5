"""`File`, `Dir` and `DataFrame`: host values the sandbox may hold but never open.

Inside the sandbox a handle is an opaque object: it has no readable attribute
and no method, it cannot be constructed, and it compares equal to another
handle exactly when the two are equal on the host. A task receives the very
object that was passed in (identity, not a copy).

Equality in the sandbox is served by one private attribute, `_sbx_key`, sent
with the handle (Monty compares class instances by their attributes). The
checker forbids every `_` name (SBX201); and the key is a keyed digest under a
secret drawn once per process, so even ungated code that shows it
(`str(f)` is `File(_sbx_key='...')`) learns nothing about the path or the
frame, and cannot confirm a guess offline or across processes.

On the host, in task code, `File` and `Dir` also have the I/O methods Flyte's
`flyte.io` types have (`open`/`open_sync`, `download`, `exists`, `from_local`,
`new_remote`, `walk`, `list_files`, `get_file`, each `async` with a `_sync`
twin as in Flyte), served by `handle_io.py` for local paths and `file://` URIs;
"remote" means a local data directory. Other URIs (`s3://...`) raise an error
that says to read them with the task's own storage client.

Call keys need the opposite: the same key for the same argument in every
process, so a resumed run matches its journal. `handle_key` gives that: for
`File`/`Dir` an unkeyed digest of the kind and path, for `DataFrame` a digest
of what identifies a frame without reading its data (its library type, shape
and column names and types). Call keys stay on the host (events, the trace,
the journal) and never reach the sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Any

_SECRET = secrets.token_bytes(32)


def _sandbox_key(*parts: str) -> str:
    """A per-process, unguessable key for the sandbox's equality (never a call key)."""
    return hmac.new(_SECRET, "\0".join(parts).encode("utf-8", "surrogatepass"), hashlib.blake2b).hexdigest()[:24]


class _PathHandle:
    """A path or URI on the host side; compared and hashed by (kind, path)."""

    __slots__ = ("path", "_sbx_key")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        text = os.fspath(path)
        if not isinstance(text, str) or not text:
            raise TypeError(f"{type(self).__name__} needs a non-empty path or URI, got {path!r}")
        self.path: str = text
        self._sbx_key: str = _sandbox_key(type(self).__name__, text)

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

    @property
    def name(self) -> str:
        return _base_name(self.path)

    # -- Flyte's `flyte.io.File` methods, for task code on the host (handle_io.py)

    def open_sync(self, mode: str = "rb", **options: Any) -> Any:
        """The file opened on the host (a context manager), as Flyte's `open_sync`."""
        from .handle_io import open_file

        return open_file(self, mode, options)

    def open(self, mode: str = "rb", **options: Any) -> Any:
        """`async with f.open("rb") as fh: data = await fh.read()` (Flyte's async form)."""
        from .handle_io import open_file_async

        return open_file_async(self, mode, options)

    def download_sync(self, local_path: str | os.PathLike[str] | None = None) -> str:
        from .handle_io import download_file

        return download_file(self, local_path)

    async def download(self, local_path: str | os.PathLike[str] | None = None) -> str:
        return self.download_sync(local_path)

    def exists_sync(self) -> bool:
        from .handle_io import local_path

        return os.path.isfile(local_path(self, "exists"))

    async def exists(self) -> bool:
        return self.exists_sync()

    @classmethod
    def from_local_sync(
        cls, local_path: str | os.PathLike[str], remote_destination: str | os.PathLike[str] | None = None
    ) -> File:
        from .handle_io import file_from_local

        made: File = file_from_local(cls, local_path, remote_destination)
        return made

    @classmethod
    async def from_local(
        cls, local_path: str | os.PathLike[str], remote_destination: str | os.PathLike[str] | None = None
    ) -> File:
        return cls.from_local_sync(local_path, remote_destination)

    @classmethod
    def from_existing_remote(cls, remote_path: str | os.PathLike[str]) -> File:
        return cls(remote_path)

    @classmethod
    def new_remote(cls) -> File:
        """A new file in the local data directory, to be written (Flyte's `new_remote`)."""
        from .handle_io import new_data_path

        return cls(new_data_path(None))

    @classmethod
    def named_remote(cls, name: str) -> File:
        from .handle_io import new_data_path

        return cls(new_data_path(name))


class Dir(_PathHandle):
    """A directory on the host, by local path or URI."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return _base_name(self.path)

    # -- Flyte's `flyte.io.Dir` methods, for task code on the host (handle_io.py)

    def walk_sync(self, recursive: bool = True, max_depth: int | None = None) -> Any:
        """The files below, as `File`s, in a stable (sorted) order."""
        from .handle_io import walk_dir

        return walk_dir(self, File, recursive, max_depth)

    async def walk(self, recursive: bool = True, max_depth: int | None = None) -> Any:
        for item in self.walk_sync(recursive, max_depth):
            yield item

    def list_files_sync(self) -> list[File]:
        """The files directly in the directory (not recursive), sorted by name."""
        return list(self.walk_sync(recursive=False))

    async def list_files(self) -> list[File]:
        return self.list_files_sync()

    def get_file_sync(self, file_name: str) -> File | None:
        from .handle_io import dir_file

        found: File | None = dir_file(self, File, file_name)
        return found

    async def get_file(self, file_name: str) -> File | None:
        return self.get_file_sync(file_name)

    def download_sync(self, local_path: str | os.PathLike[str] | None = None) -> str:
        from .handle_io import download_dir

        return download_dir(self, local_path)

    async def download(self, local_path: str | os.PathLike[str] | None = None) -> str:
        return self.download_sync(local_path)

    def exists_sync(self) -> bool:
        from .handle_io import local_path

        return os.path.isdir(local_path(self, "exists"))

    async def exists(self) -> bool:
        return self.exists_sync()

    @classmethod
    def from_local_sync(
        cls, local_path: str | os.PathLike[str], remote_path: str | os.PathLike[str] | None = None
    ) -> Dir:
        from .handle_io import dir_from_local

        made: Dir = dir_from_local(cls, local_path, remote_path)
        return made

    @classmethod
    async def from_local(
        cls, local_path: str | os.PathLike[str], remote_path: str | os.PathLike[str] | None = None
    ) -> Dir:
        return cls.from_local_sync(local_path, remote_path)

    @classmethod
    def from_existing_remote(cls, remote_path: str | os.PathLike[str]) -> Dir:
        return cls(remote_path)

    @classmethod
    def new_remote(cls) -> Dir:
        from .handle_io import new_data_path

        path = new_data_path(None)
        os.makedirs(path)
        return cls(path)


def _base_name(path: str) -> str:
    return os.path.basename(path.rstrip("/")) or path


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
        # equal handles wrap the same frame; the handle keeps it alive, so its id stays unique
        self._sbx_key: str = _sandbox_key("DataFrame", str(id(value)))

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
    """The identity used in call keys: the same in every process (a resumed run
    matches its journal); never a frame's data, never the sandbox's key."""
    if isinstance(value, DataFrame):
        text = "\0".join(_frame_identity(value.value))
    else:
        text = value.path
    digest = hashlib.blake2b(f"{type(value).__name__}\0{text}".encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return f"{type(value).__name__}:{digest}"


def _frame_identity(frame: Any) -> list[str]:
    """What names a frame without reading it: library type, shape, column names and types.
    Two frames alike in all of these share a call key; the journal still records their data."""
    kind = f"{type(frame).__module__}.{type(frame).__qualname__}"
    parts = [kind, repr(getattr(frame, "shape", None))]
    try:
        schema = getattr(frame, "schema", None)
        if schema is not None and hasattr(schema, "names"):  # pyarrow
            parts += [f"{name}:{field.type}" for name, field in zip(schema.names, schema)]
        else:
            columns = list(getattr(frame, "columns", ()))[:10_000]
            dtypes = getattr(frame, "dtypes", None)
            types = list(dtypes)[: len(columns)] if dtypes is not None else []
            parts += [f"{column}:{types[i] if i < len(types) else ''}" for i, column in enumerate(columns)]
    except Exception:  # an exotic frame: its type and shape are still a stable identity
        pass
    return parts
