"""Flyte's `flyte.io` methods on `File`/`Dir`, for task code on the host: local
paths and file:// URIs work as in Flyte, a local data directory stands in for
the object store, other URIs fail naming the way out; the sandbox still
cannot touch any of it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import runtime
from runtime import Dir, File, SandboxError, sandbox
from runtime.handle_io import UnsupportedLocation

env = runtime.TaskEnvironment(name="handle-io")


@env.task
async def read_async(f: File) -> str:
    async with f.open("rb") as fh:
        return bytes(await fh.read()).decode()


@env.task
def read_sync(f: File) -> str:
    with f.open_sync("r") as fh:
        return str(fh.read())


@env.task
async def write_new(text: str) -> File:
    out = File.new_remote()
    async with out.open("wb") as fh:
        fh.write(text.encode())  # Flyte's examples write with and without await
        await fh.write(b"!")
    return out


@env.task
def names(d: Dir) -> list[str]:
    return [f.name for f in d.walk_sync()]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SANDBOX_LINT_DATA_DIR", str(folder))
    return folder


def test_tasks_read_and_write_files_as_in_flyte(tmp_path: Path, data_dir: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("hello")
    program = "a = await read_async(f)\nb = await read_sync(f)\nout = await write_new(a + b)\n[a, b, await read_sync(out)]"
    value = sandbox.orchestrate_local_sync(program, inputs={"f": File(str(source))}, tasks=[read_async, read_sync, write_new])
    assert value == ["hello", "hello", "hellohello!"]
    assert [p.parent for p in data_dir.iterdir()] == [data_dir]


def test_file_methods(tmp_path: Path, data_dir: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_bytes(b"x,y\n")
    f = File.from_local_sync(source)
    assert f.path == str(source) and f.name == "a.csv" and f.exists_sync()
    assert asyncio.run(f.exists())
    assert f.download_sync() == str(source)
    copied = asyncio.run(f.download(tmp_path / "copy.csv"))
    assert Path(copied).read_bytes() == b"x,y\n"
    into = tmp_path / "folder"
    into.mkdir()
    assert Path(f.download_sync(into)).read_bytes() == b"x,y\n"
    uploaded = asyncio.run(File.from_local(source, str(data_dir / "up" / "a.csv")))
    assert Path(uploaded.path).read_bytes() == b"x,y\n"
    named = File.named_remote("report.txt")
    assert named.path == str(data_dir / "report.txt") and not named.exists_sync()
    with named.open_sync("w") as fh:
        fh.write("ok")
    assert File.from_existing_remote(named.path).open_sync("r").read() == "ok"
    assert File(f"file://{source}").exists_sync()
    with pytest.raises(ValueError, match="one path component"):
        File.named_remote("../escape")
    with pytest.raises(FileNotFoundError, match="no file at"):
        File.from_local_sync(tmp_path / "missing")


def test_dir_methods(tmp_path: Path, data_dir: Path) -> None:
    root = tmp_path / "tree"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "b.txt").write_text("b")
    (root / "a.txt").write_text("a")
    (root / "sub" / "c.txt").write_text("c")
    (root / "sub" / "deeper" / "d.txt").write_text("d")
    d = Dir.from_local_sync(root)
    assert [f.name for f in d.walk_sync()] == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert [f.name for f in d.walk_sync(max_depth=2)] == ["a.txt", "b.txt", "c.txt"]
    assert [f.name for f in d.list_files_sync()] == ["a.txt", "b.txt"]

    async def walk() -> list[str]:
        return [f.name async for f in d.walk()]

    assert asyncio.run(walk()) == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert [f.name for f in asyncio.run(d.list_files())] == ["a.txt", "b.txt"]
    assert d.get_file_sync("sub/c.txt") == File(str(root / "sub" / "c.txt"))
    assert asyncio.run(d.get_file("nope.txt")) is None
    with pytest.raises(ValueError):
        d.get_file_sync("../outside")
    copy = Path(d.download_sync(tmp_path / "copy"))
    assert (copy / "sub" / "deeper" / "d.txt").read_text() == "d"
    fresh = Dir.new_remote()
    assert fresh.exists_sync() and Path(fresh.path).parent == data_dir
    uploaded = Dir.from_local_sync(root, str(data_dir / "tree"))
    assert [f.name for f in uploaded.walk_sync()] == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert sandbox.orchestrate_local_sync("names(d)", inputs={"d": d}, tasks=[names]) == ["a.txt", "b.txt", "c.txt", "d.txt"]


@pytest.mark.parametrize("call", [
    lambda: File("s3://bucket/key.csv").open_sync(),
    lambda: File("gs://bucket/key.csv").download_sync(),
    lambda: Dir("s3://bucket/prefix/").list_files_sync(),
    lambda: File("file://otherhost/etc/passwd").exists_sync(),
    lambda: File("/tmp/x").open_sync("rb", compression="gzip"),
])
def test_what_the_local_runtime_cannot_reach_says_so(call: object) -> None:
    with pytest.raises(UnsupportedLocation) as info:
        call()  # type: ignore[operator]
    message = str(info.value)
    assert "local" in message or "another host" in message


def test_the_sandbox_still_cannot_touch_a_handle(tmp_path: Path) -> None:
    source = tmp_path / "secret.txt"
    source.write_text("secret")
    for program in ("f.open_sync()", "f.path", "f.download_sync()"):
        with pytest.raises(SandboxError):
            sandbox.orchestrate_local_sync(program, inputs={"f": File(str(source))})
