"""File, Dir, DataFrame: opaque in the sandbox, identical objects back on the host."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_tasks import add, frame_rows, list_dir, make_frame, pick, read_file

from runtime import DataFrame, Dir, File, SandboxRuntimeError, sandbox
from ungated import run_ungated


def test_task_receives_the_identical_file(tracker):
    f = File("/data/in.csv")
    assert sandbox.orchestrate_local_sync("read_file(f)", inputs={"f": f}, tasks=[read_file]) == "/data/in.csv"
    assert tracker.seen[0] is f


def test_handles_inside_containers_round_trip_by_identity(tracker):
    files = [File("/a"), File("/b"), File("/c")]
    result = sandbox.orchestrate_local_sync("pick(files, 1)", inputs={"files": files}, tasks=[pick])
    assert result is files[1]
    assert all(a is b for a, b in zip(tracker.seen[0], files))


def test_output_handle_is_the_original_object():
    d = Dir("/data")
    out = sandbox.orchestrator_from_str("[d, d]", inputs={"d": Dir}, output=list[Dir])(d=d)
    assert out[0] is d and out[1] is d


def test_task_made_handles_flow_between_tasks():
    result = sandbox.orchestrate_local_sync(
        "files = list_dir(d)\n[read_file(f) for f in files]", inputs={"d": Dir("/x")}, tasks=[list_dir, read_file]
    )
    assert result == ["/x/a.txt", "/x/b.txt"]


def test_dataframe_passes_through_untouched(tracker):
    frame = pd.DataFrame({"a": [1, 2, 3]})
    handle = DataFrame(frame)
    assert sandbox.orchestrate_local_sync("frame_rows(df)", inputs={"df": handle}, tasks=[frame_rows]) == 3
    assert tracker.seen[0] is handle and tracker.seen[0].value is frame
    assert sandbox.orchestrate_local_sync("frame_rows(make_frame(4))", tasks=[frame_rows, make_frame]) == 4


@pytest.mark.parametrize(
    "source, expected",
    [
        ("a == a", True),
        ("a == b", False),
        ("a == c", True),  # equal on the host: same path
        ("a != b", True),
        ("[a, b].index(b)", 1),
        ("a in [b, c]", True),
        ("isinstance(a, str)", False),
    ],
)
def test_handles_can_be_compared(source, expected):
    inputs = {"a": File("/p"), "b": File("/q"), "c": File("/p")}
    assert sandbox.orchestrate_local_sync(source, inputs=inputs) == expected


@pytest.mark.parametrize(
    "source", ["f.path", "f.read()", "f.value", "len(f)", "f + 'x'", "f[0]", "f.add(1, 2)", "g = f.add\ng(1, 2)"]
)
def test_handles_cannot_be_read(source, tracker):
    with pytest.raises(SandboxRuntimeError) as info:
        sandbox.orchestrate_local_sync(source, inputs={"f": File("/etc/passwd")}, tasks=[add])
    assert info.value.exc_type in {"AttributeError", "TypeError"}
    assert "/etc/passwd" not in str(info.value)
    assert tracker.calls == []  # a handle's "method" named like a task never reaches the task


def test_str_of_a_handle_does_not_leak_its_path():
    text = sandbox.orchestrate_local_sync("str(f) + repr(f)", inputs={"f": File("/secret/path.txt")})
    assert "/secret/path.txt" not in text


@pytest.mark.parametrize("source", ["File('/etc/passwd')", "type(f)('/etc/passwd')", "f.__class__('/x')"])
def test_handles_cannot_be_forged_even_ungated(source):
    with pytest.raises(SandboxRuntimeError):
        run_ungated(source, inputs={"f": File("/tmp/ok")})


def test_host_equality_and_hashing():
    assert File("/a") == File("/a") and File("/a") != Dir("/a")
    assert len({File("/a"), File("/a"), Dir("/a")}) == 2
    frame = pd.DataFrame({"x": [1]})
    assert DataFrame(frame) == DataFrame(frame) and DataFrame(frame) != DataFrame(frame.copy())
    assert DataFrame(frame).to_pandas() is frame
    with pytest.raises(TypeError):
        File("")
