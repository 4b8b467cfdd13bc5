"""The SQLite store's run log: its format, folding, crashes around it, and refusals.

The behaviour every store shares (the API's checks, readers in other
processes, crash and resume) is in test_store.py and test_resume.py, against
SQLite and PostgreSQL; this file covers what only the run log has. Crashes are
real: a subprocess SIGKILLed, or killing itself at the step under test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from values import same, text, values

from runtime import codec, sandbox
from runtime.errors import SandboxError
from runtime.store import CallEnd, CallStart, RunHeader, RunStore, StoreError, runlog

HERE = Path(__file__).parent
WORKER = str(HERE / "store_worker.py")
INPUTS = codec.encode({"n": 1}, max_bytes=100)


def header(run_id: str = "r1") -> RunHeader:
    return RunHeader(run_id, "worker", "code-1", INPUTS, "0", "0", "0" * 32, 1000.0)


def args(seq: int) -> str:
    return codec.encode_arguments((seq,), {}, max_bytes=100)


def value(v: object) -> str:
    return codec.encode(v, max_bytes=1 << 26)


def start(seq: int, attempt: int = 1) -> CallStart:
    return CallStart(seq, f"{seq}:inc:x", "inc", args(seq), attempt, 1000.0 + seq)


def end(seq: int, attempt: int = 1, result: object = None) -> CallEnd:
    return CallEnd(seq, attempt, True, value(seq + 1 if result is None else result), None, None, 1000.5 + seq)


def log_file(db: Path, run_id: str = "r1") -> Path:
    return Path(f"{db}-runlog") / runlog.log_name(run_id)


def table(db: Path, run_id: str = "r1") -> list[tuple[int, int, bool, bool]]:
    """The rows as SQLite holds them: (seq, attempt, finished, interrupted)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT seq, attempt, finished_at IS NOT NULL, interrupted FROM sbx_calls WHERE run_id = ? ORDER BY seq, attempt",
            (run_id,),
        ).fetchall()
    return [(seq, attempt, bool(done), bool(cut)) for seq, attempt, done, cut in rows]


def states(store: RunStore, run_id: str = "r1") -> list[tuple[int, int, str]]:
    return [(c.seq, c.attempt, c.state) for c in store.calls(run_id)]


def run_worker(mode: str, db: Path, run_id: str, count: int, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, WORKER, mode, str(db), run_id, str(count)], capture_output=True, text=True, timeout=300, **kw,  # type: ignore[call-overload]
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "runs.sqlite"


# ------------------------------------------------------------------ the format

EVENTS = [
    start(1),
    end(1),
    CallStart(2, "2:t:é\x00", "tâche\udc80", codec.encode_arguments(("é\n\"\\", b"\x00"), {"k": None}, max_bytes=100), 3, 1.5e9),
    CallEnd(2, 3, False, None, "ValueError", "bad \x1b[31m\u202e \udc80 \x00", 1.5e9 + 0.25, replayed=True, cached=True),
    CallEnd(7, 1, True, value([1.0, -0.0, 10**30]), None, None, 3.0, cached=True),
]


def encoded(run_id: str, batches: list[list[CallStart | CallEnd]]) -> bytes:
    return runlog.header_frame(run_id) + b"".join(runlog.batch_frame(batch) for batch in batches)


def test_events_round_trip_with_their_text_cleaned_as_the_tables_store_it() -> None:
    contents = runlog.decode_log(encoded("r1", [EVENTS[:2], EVENTS[2:]]), "r1", "here")
    assert not contents.torn
    assert contents.events[:2] == tuple(EVENTS[:2]) and contents.events[4] == EVENTS[4]
    third, fourth = contents.events[2], contents.events[3]
    assert isinstance(third, CallStart) and isinstance(fourth, CallEnd)
    assert (third.call_key, third.task, third.args, third.started_at) == ("2:t:é\\x00", "tâche\\udc80", EVENTS[2].args, 1.5e9)
    assert fourth.error_text == "bad \x1b[31m\u202e \\udc80 \\x00" and (fourth.replayed, fourth.cached, fourth.ok) == (True, True, False)


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_any_cut_or_flipped_byte_loses_only_that_frame_and_what_follows(data: st.DataObject) -> None:
    batches = [EVENTS[:1], EVENTS[1:3], EVENTS[3:4], EVENTS[4:]]
    whole = encoded("r1", batches)
    ends = [len(runlog.header_frame("r1"))]
    for batch in batches:
        ends.append(ends[-1] + len(runlog.batch_frame(batch)))
    position = data.draw(st.integers(0, len(whole) - 1), label="position")
    complete = sum(1 for stop in ends[1:] if stop <= position)  # batches wholly before `position`
    expected = tuple(event for batch in batches[:complete] for event in batch) if position >= ends[0] else ()
    cut = runlog.decode_log(whole[:position], "r1", "here")
    flipped = bytearray(whole)
    flipped[position] ^= data.draw(st.integers(1, 255), label="xor")
    broken = runlog.decode_log(bytes(flipped), "r1", "here")
    cleaned = runlog.decode_log(whole, "r1", "here").events
    assert cut.events == broken.events == cleaned[:len(expected)]
    assert broken.torn and cut.torn == (position > 0 and position not in ends)


@pytest.mark.parametrize("tail", [
    b"\x00" * 64,                                           # a zero-filled tail (a crash before the data blocks)
    struct.pack("<II", 5, zlib.crc32(b"[1,2]")) + b"[1,2]",  # a checksummed frame that is no batch of events
    struct.pack("<II", 2, zlib.crc32(b"[]")) + b"[]",        # an empty batch
    struct.pack("<II", 1 << 30, 0) + b"short",              # a length past the end
    os.urandom(200),
])
def test_a_tail_that_is_not_a_complete_batch_is_ignored(tail: bytes) -> None:
    contents = runlog.decode_log(encoded("r1", [EVENTS[:2]]) + tail, "r1", "here")
    assert contents.torn and contents.events == tuple(EVENTS[:2])
    assert contents.length == len(encoded("r1", [EVENTS[:2]]))


def test_a_log_without_its_header_holds_nothing_and_another_runs_log_is_refused() -> None:
    assert runlog.decode_log(runlog.batch_frame(EVENTS[:2]), "r1", "here").events == ()
    assert runlog.decode_log(runlog.header_frame("r1")[:-1], "r1", "here").events == ()
    with pytest.raises(StoreError, match="belongs to run 'other'"):
        runlog.decode_log(encoded("other", [EVENTS[:1]]), "r1", "/x/y.log")


@pytest.mark.parametrize("events, message", [
    ((CallStart(2, 5, "t", "[1]", 1, 1.0),), "call_key must be a string"),  # type: ignore[arg-type]
    ((CallStart(2, "k", "t", None, 1, 1.0),), "args must be a string"),  # type: ignore[arg-type]
    ((CallStart(2, "k", "t", "[1]", 1, float("inf")),), "must be finite"),
    ((CallStart(2, "k", "t", "[1]", 1, "soon"),), "number of seconds"),  # type: ignore[arg-type]
    ((CallStart(2, "k", "t", "[1]", 1, 1.0), CallEnd(2, 1, True, 3, None, None, 1.0)), "value must be a string"),  # type: ignore[arg-type]
    ((CallStart(0, "k", "t", "[1]", 1, 1.0),), "positive ints"),
    ((CallStart(True, "k", "t", "[1]", 1, 1.0),), "positive ints"),
    ((CallStart(2, "k", "t", "[1, \"\udc80\"]", 1, 1.0),), "not valid text"),
])
def test_bad_fields_are_refused_before_anything_is_written(db: Path, events: tuple[CallStart | CallEnd, ...], message: str) -> None:
    with RunStore(db) as store:
        store.open_run(header())
        store.record("r1", start(1))
        size = log_file(db).stat().st_size
        with pytest.raises(StoreError, match=message):
            store.record("r1", end(1), *events)
        assert log_file(db).stat().st_size == size and states(store) == [(1, 1, "running")]


@given(values, text)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_values_round_trip_exactly_through_the_file(tmp_path: Path, v: object, message: str) -> None:
    db = tmp_path / "values.sqlite"
    with RunStore(db) as store:
        store.open_run(header("v"))  # the run of the earlier examples, taken over again
        with RunStore(db, create=False) as reader:  # not the owner: it reads the file
            seq = len(reader.calls("v")) + 1
            encoded_args = codec.encode_arguments((v,), {"same": v}, max_bytes=1 << 20)
            store.record("v", CallStart(seq, f"{seq}:echo:{message}", f"echo{message}", encoded_args, 1, 1.0),
                         CallEnd(seq, 1, True, codec.encode(v, max_bytes=1 << 20), "T" + message, message, 2.0))
            seen = reader.calls("v")[-1]
        mine = store.calls("v")[-1]
        assert seen == mine and same(codec.decode(seen.value), v)
        assert same(codec.decode_arguments(seen.args), ((v,), {"same": v}))
        store.release("v")  # folded: the table holds the same
        assert store.calls("v")[-1] == seen


# ------------------------------------------------------------------ writing and folding


def test_calls_go_to_the_log_and_are_folded_with_the_outcome(db: Path) -> None:
    with RunStore(db) as store:
        store.open_run(header())
        assert not Path(f"{db}-runlog").exists()  # made on the first write
        store.record("r1", start(1))
        store.record("r1", end(1), start(2))
        mode = Path(f"{db}-runlog").stat().st_mode
        assert oct(mode & 0o777) == "0o700"
        assert table(db) == []  # nothing committed to SQLite yet
        assert states(store) == [(1, 1, "ok"), (2, 1, "running")]
        with RunStore(db, create=False) as reader:
            assert states(reader) == [(1, 1, "ok"), (2, 1, "running")]
        store.finish_run("r1", ok=True, result=value(1), error=None, finished_at=2000.0, events=[end(2)])
        assert table(db) == [(1, 1, True, False), (2, 1, True, False)] and not log_file(db).exists()
        calls = store.calls("r1")
        assert [(c.seq, c.state, codec.decode(c.value), c.finished_at) for c in calls] == [(1, "ok", 2, 1001.5), (2, "ok", 3, 1002.5)]


@pytest.mark.parametrize("how", ["release", "close"])
def test_releasing_or_closing_folds_the_log(db: Path, how: str) -> None:
    store = RunStore(db)
    store.open_run(header())
    store.record("r1", start(1))
    store.record("r1", end(1), start(2))
    store.release("r1") if how == "release" else store.close()
    assert table(db) == [(1, 1, True, False), (2, 1, False, False)] and not log_file(db).exists()
    with RunStore(db) as again:
        assert again.open_run(header()).resumed and states(again) == [(1, 1, "ok"), (2, 1, "interrupted")]
    store.close()


def test_the_log_is_folded_when_it_passes_its_bounds(db: Path) -> None:
    with RunStore(db) as store:
        store.open_run(header())
        calls = runlog.MAX_EVENTS // 2 + 10
        for seq in range(1, calls + 1):
            store.record("r1", start(seq))
            store.record("r1", end(seq))
        assert len(table(db)) == runlog.MAX_EVENTS // 2  # the fold at the bound
        assert len(runlog.decode_log(log_file(db).read_bytes(), "r1", "").events) == 20  # the rest
        assert [state for _, _, state in states(store)] == ["ok"] * calls

        big = "x" * (runlog.MAX_BYTES // 2 + 1)  # two of them pass the byte bound
        store.record("r1", start(calls + 1))
        for seq in range(calls + 1, calls + 4):
            store.record("r1", end(seq, result=big), start(seq + 1))
            assert (log_file(db).stat().st_size if log_file(db).exists() else 0) < runlog.MAX_BYTES + len(big) + 4096
        assert len(table(db)) > calls  # the byte bound folded them
        assert codec.decode(store.calls("r1")[calls].value) == big


def test_the_api_checks_cost_no_io_and_know_what_an_earlier_process_recorded(db: Path) -> None:
    done = run_worker("live", db, "r1", 3, input="go\n")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:  # make the run resumable again, as if its process had died
        conn.execute("UPDATE sbx_runs SET status = 'running' WHERE run_id = 'r1'")
    with RunStore(db) as store:
        store.open_run(header())
        for refused, message in (
            ((start(2),), "call 2 attempt 1 is already recorded"),
            ((end(4),), "call 4 attempt 1 was not started, or has already finished"),
            ((start(9), end(9), end(9)), "call 9 attempt 1 was not started"),
            ((start(9), start(9)), "call 9 attempt 1 is already recorded"),
        ):
            with pytest.raises(StoreError, match=message):
                store.record("r1", *refused)
            assert not log_file(db).exists()  # nothing was written
        store.record("r1", start(4, attempt=2), end(4, attempt=2))
        assert states(store)[-1] == (4, 2, "ok")


# ------------------------------------------------------------------ crashes


def _hold(db: Path, run_id: str) -> None:
    """A process that opens the run, starts call 1 (in the log) and is SIGKILLed."""
    holder = subprocess.Popen([sys.executable, WORKER, "hold", str(db), run_id], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "started\n", holder.stderr
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()


@pytest.mark.parametrize("damage", ["cut", "flip", "garbage"])
def test_a_torn_or_corrupt_tail_left_by_a_killed_process_is_ignored(db: Path, damage: str) -> None:
    _hold(db, "k")
    path = log_file(db, "k")
    good = path.read_bytes()
    with open(path, "ab") as log:  # the killed process's next write, torn or damaged
        log.write(runlog.batch_frame([CallEnd(1, 1, True, value(2), None, None, 9.0), CallStart(2, "2:slow:abc", "slow", args(2), 1, 9.0)]))
    data = bytearray(path.read_bytes())
    if damage == "cut":
        del data[-7:]
    elif damage == "flip":
        data[len(good) + 12] ^= 0x40
    else:
        data[len(good):] = os.urandom(len(data) - len(good))
    path.write_bytes(bytes(data))
    with RunStore(db) as store:
        assert states(store, "k") == [(1, 1, "running")]  # only what was completely written
        state = store.open_run(header("k"))
        assert state.resumed and [(c.seq, c.state) for c in state.calls] == [(1, "interrupted")]
        assert table(db, "k") == [(1, 1, False, True)] and not path.exists()


@pytest.mark.parametrize("mode", ["crash-fold", "crash-bound"])
def test_a_fold_cut_off_between_its_commit_and_removing_the_log_applies_again_cleanly(db: Path, mode: str) -> None:
    count = 30 if mode == "crash-fold" else runlog.MAX_EVENTS // 2
    done = run_worker(mode, db, "r1", count)
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr
    committed = table(db)
    assert committed == [(seq, 1, True, False) for seq in range(1, count + 1)]  # the fold committed...
    left = runlog.decode_log(log_file(db).read_bytes(), "r1", "")
    assert len(left.events) == 2 * count  # ...and its log is still there
    with RunStore(db) as store:
        expected = [(seq, 1, "ok") for seq in range(1, count + 1)]
        assert states(store) == expected  # read with the log merged: no duplicates
        state = store.open_run(header())
        assert state.resumed == (mode == "crash-bound") and state.run.status == ("ok" if mode == "crash-fold" else "running")
        assert [(c.seq, c.attempt, c.state) for c in state.calls] == expected
        assert table(db) == committed and not log_file(db).exists()


def test_a_write_past_the_file_size_limit_fails_clearly_and_later_writes_stay_readable(db: Path) -> None:
    RunStore(db).close()  # the schema first, below the limit
    limit = 1 << 20
    done = run_worker("fsize", db, "big", limit)
    lines = done.stdout.splitlines()
    assert done.returncode == -signal.SIGKILL and lines[-1] == "recorded", done.stdout + done.stderr
    assert lines[0].startswith(f"refused: cannot write the run log {log_file(db, 'big')}: File too large"), lines
    with RunStore(db) as store:
        calls = store.calls("big")  # the failed write was cut off: call 2's later end is visible
        assert [(c.seq, c.state, codec.decode(c.value)) for c in calls] == [(1, "ok", 2), (2, "ok", 3)]
        assert store.open_run(header("big")).resumed and table(db, "big") == [(1, 1, True, False), (2, 1, True, False)]


# ------------------------------------------------------------------ the directory


def test_a_log_directory_replaced_by_a_file_fails_the_run_with_its_path(db: Path) -> None:
    RunStore(db).close()
    Path(f"{db}-runlog").write_text("not a directory")
    with pytest.raises(SandboxError, match=re.escape(f"cannot use the run log directory {db}-runlog: it is not a directory")):
        sandbox.orchestrate_local_sync("1 + 1", tasks=[], run_id="r1", store=str(db))
    with RunStore(db) as store:
        with pytest.raises(StoreError, match="it is not a directory"):
            store.open_run(header("r2"))
        assert store.get_run("r2") is None  # nothing half-written


def test_a_symlinked_or_shared_log_directory_is_refused(db: Path, tmp_path: Path) -> None:
    RunStore(db).close()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    Path(f"{db}-runlog").symlink_to(elsewhere)
    with RunStore(db) as store:
        with pytest.raises(StoreError, match="it is a symbolic link"):
            store.open_run(header())
    Path(f"{db}-runlog").unlink()
    Path(f"{db}-runlog").mkdir(mode=0o700)
    os.chmod(f"{db}-runlog", 0o777)
    with RunStore(db) as store:
        with pytest.raises(StoreError, match="others may write to it"):
            store.open_run(header())
    if os.geteuid() == 0:  # only root can hand a directory to someone else
        os.chmod(f"{db}-runlog", 0o700)
        os.chown(f"{db}-runlog", 65534, 65534)
        with RunStore(db) as store:
            with pytest.raises(StoreError, match="owned by uid 65534"):
                store.open_run(header())
    assert list(elsewhere.iterdir()) == []


def test_a_stale_log_of_a_run_the_database_does_not_know_is_discarded(db: Path) -> None:
    with RunStore(db) as store:
        store.open_run(header())
        store.record("r1", start(1))
        stale = log_file(db).read_bytes()
        store.release("r1")
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):  # the database replaced by a new one,
        leftover.unlink(missing_ok=True)  # its old run log left behind
    log_file(db).write_bytes(stale)
    with RunStore(db) as store:
        state = store.open_run(header())
        assert state.created and state.calls == () and not log_file(db).exists()


# ------------------------------------------------------------------ synchronous=full


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace to watch the system calls")
def test_synchronous_full_syncs_the_log_after_every_write(tmp_path: Path) -> None:
    counts = {}
    for mode in ("normal", "full"):
        trace = tmp_path / f"{mode}.trace"
        db = tmp_path / f"{mode}.sqlite"
        done = subprocess.run(
            ["strace", "-f", "-y", "-e", "trace=fdatasync,fsync", "-o", str(trace),
             sys.executable, WORKER, "write", f"sqlite://{db}?synchronous={mode}", "s", "40"],
            capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0 and "ptrace" in done.stderr:
            pytest.skip(f"strace cannot trace here: {done.stderr.strip()}")
        assert done.returncode == 0 and done.stdout == "done\n", done.stderr
        lines = trace.read_text().splitlines()
        counts[mode] = sum(1 for line in lines if "fdatasync(" in line and "-runlog/" in line and "= 0" in line)
    assert counts == {"normal": 0, "full": 80}  # 40 calls, a start and an end each
