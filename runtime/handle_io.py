"""The I/O behind `File`/`Dir`'s Flyte methods, for task code on the host.

Locally there is no object store: a handle's path is a local path or a
`file://` URI, and Flyte's "remote" is a data directory on this machine,
`$SANDBOX_LINT_DATA_DIR` or else `<tmp>/sandbox-lint-data` (created 0700).
`from_local` without a destination keeps the file where it is (nothing to
upload); with one, it copies it there. `download` without a target returns
the local path itself; with one, it copies. Other URIs (`s3://`, `gs://`,
...) raise `UnsupportedLocation`, which names the way out: read them in the
task with your own storage client, or pass a local path.

None of this is reachable from the sandbox: there a handle is opaque (no
attribute, no method), see `handles.py`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Generator, Iterator
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Protocol
from urllib.parse import unquote, urlsplit


class PathHandle(Protocol):
    """A `File` or `Dir` (`handles.py` passes its classes in: no import back)."""

    path: str

ENV_DATA_DIR = "SANDBOX_LINT_DATA_DIR"


class UnsupportedLocation(NotImplementedError):
    """A handle's URI names storage the local runtime cannot reach."""


def local_path(handle: PathHandle, action: str) -> str:
    """The local file system path of `handle`, or `UnsupportedLocation`."""
    path = handle.path
    if "://" not in path:
        return path
    parts = urlsplit(path)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise UnsupportedLocation(f"{type(handle).__name__}.{action}: {path!r} names another host")
        return unquote(parts.path)
    raise UnsupportedLocation(
        f"{type(handle).__name__}.{action}: {path!r} is not a local path. The local runtime reads local paths "
        f"and file:// URIs; read `{parts.scheme}://` objects in the task with your storage client (fsspec, boto3, ...), "
        "or pass the task a local path"
    )


def data_dir() -> str:
    base = os.environ.get(ENV_DATA_DIR) or os.path.join(tempfile.gettempdir(), "sandbox-lint-data")
    os.makedirs(base, mode=0o700, exist_ok=True)
    return base


def new_data_path(name: str | None) -> str:
    if name is not None:
        if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ValueError(f"a remote name is one path component (no '/'), got {name!r}")
        return os.path.join(data_dir(), name)
    return os.path.join(data_dir(), uuid.uuid4().hex)


def open_file(handle: PathHandle, mode: str, options: dict[str, Any]) -> Any:
    """Open on the host. Flyte's fsspec options (`block_size`, `cache_type`,
    `cache_options`, `compression`) mean nothing for a local file and are
    accepted; anything else goes to `open()`, which names what it refuses."""
    for flyte_only in ("block_size", "cache_type", "cache_options", "compression"):
        value = options.pop(flyte_only, None)
        if flyte_only == "compression" and value not in (None, "infer"):
            raise UnsupportedLocation(f"File.open: compression={value!r} is not supported locally; open the file and decompress it in the task")
    path = local_path(handle, "open")
    if any(flag in mode for flag in "wax"):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return open(path, mode, **options)


class _Ready:
    """Flyte's async file object, locally: each call does its work at once and
    returns a value that can also be awaited, so `await fh.read()` and
    `fh.write(...)` (awaited or not, both appear in Flyte's examples) work."""

    def __init__(self, file: Any) -> None:
        self._file = file

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._file, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            return _awaitable(attribute(*args, **kwargs))

        return call

    def __aiter__(self) -> AsyncIterator[Any]:
        async def lines() -> AsyncIterator[Any]:
            for line in self._file:
                yield line

        return lines()


def _awaitable(value: Any) -> Any:
    kind = type(value)
    if kind is bytes:
        return _ReadyBytes(value)
    if kind is str:
        return _ReadyStr(value)
    if kind is int:
        return _ReadyInt(value)
    if kind is list:
        return _ReadyList(value)
    if value is None:
        return _DONE
    return value


class _ReadyBytes(bytes):
    def __await__(self) -> Generator[Any, None, Any]:
        return bytes(self)
        yield  # pragma: no cover - makes this a generator


class _ReadyStr(str):
    def __await__(self) -> Generator[Any, None, Any]:
        return str(self)
        yield  # pragma: no cover


class _ReadyInt(int):
    def __await__(self) -> Generator[Any, None, Any]:
        return int(self)
        yield  # pragma: no cover


class _ReadyList(list):  # type: ignore[type-arg]
    def __await__(self) -> Generator[Any, None, Any]:
        return list(self)
        yield  # pragma: no cover


class _Done:
    def __await__(self) -> Generator[Any, None, Any]:
        return None
        yield  # pragma: no cover

    def __repr__(self) -> str:
        return "None"

    def __bool__(self) -> bool:
        return False


_DONE = _Done()


@asynccontextmanager
async def open_file_async(handle: PathHandle, mode: str, options: dict[str, Any]) -> AsyncIterator[Any]:
    file = open_file(handle, mode, options)
    try:
        yield _Ready(file)
    finally:
        file.close()


def download_file(handle: PathHandle, target: str | os.PathLike[str] | None) -> str:
    source = local_path(handle, "download")
    if not os.path.isfile(source):
        raise FileNotFoundError(f"File.download: no file at {source!r}")
    if target is None:
        return source
    destination = os.fspath(target)
    if os.path.isdir(destination):
        destination = os.path.join(destination, os.path.basename(source))
    if os.path.abspath(destination) != os.path.abspath(source):
        os.makedirs(os.path.dirname(os.path.abspath(destination)), exist_ok=True)
        shutil.copyfile(source, destination)
    return destination


def download_dir(handle: PathHandle, target: str | os.PathLike[str] | None) -> str:
    source = local_path(handle, "download")
    if not os.path.isdir(source):
        raise FileNotFoundError(f"Dir.download: no directory at {source!r}")
    if target is None:
        return source
    destination = os.fspath(target)
    if os.path.abspath(destination) != os.path.abspath(source):
        shutil.copytree(source, destination, dirs_exist_ok=True)
    return destination


def file_from_local(cls: Any, source: str | os.PathLike[str], destination: str | os.PathLike[str] | None) -> Any:
    path = os.fspath(source)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"File.from_local: no file at {path!r}")
    if destination is None:
        return cls(os.path.abspath(path))
    target = local_path(cls(destination), "from_local")
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    shutil.copyfile(path, target)
    return cls(os.fspath(destination))


def dir_from_local(cls: Any, source: str | os.PathLike[str], destination: str | os.PathLike[str] | None) -> Any:
    path = os.fspath(source)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"Dir.from_local: no directory at {path!r}")
    if destination is None:
        return cls(os.path.abspath(path))
    target = local_path(cls(destination), "from_local")
    shutil.copytree(path, target, dirs_exist_ok=True)
    return cls(os.fspath(destination))


def walk_dir(handle: PathHandle, file_type: Any, recursive: bool, max_depth: int | None) -> Iterator[Any]:
    root = local_path(handle, "walk")
    if not os.path.isdir(root):
        raise FileNotFoundError(f"Dir.walk: no directory at {root!r}")
    limit = 1 if not recursive else max_depth

    def below(folder: str, depth: int) -> Iterator[Any]:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            if entry.is_file():
                yield file_type(entry.path)
            elif entry.is_dir(follow_symlinks=False) and (limit is None or depth < limit):
                yield from below(entry.path, depth + 1)

    return below(root, 1)


def dir_file(handle: PathHandle, file_type: Any, name: str) -> Any:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name.split("/"):
        raise ValueError(f"Dir.get_file: a file name inside the directory, got {name!r}")
    path = os.path.join(local_path(handle, "get_file"), name)
    return file_type(path) if os.path.isfile(path) else None
