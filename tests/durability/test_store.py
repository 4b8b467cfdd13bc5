"""The run store, the same suite against SQLite and a real PostgreSQL server."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from values import same, values

from runtime import codec
from runtime.store import (
    CallEnd,
    CallStart,
    PostgresRunStore,
    RunBusyError,
    RunHeader,
    RunStore,
    SQLiteRunStore,
    StoreError,
    runlog,
)

HERE = Path(__file__).parent
LIMIT = 1 << 20
INPUTS = codec.encode({"n": 3}, max_bytes=100)


def header(run_id="r1", *, code_hash="code-1", inputs=INPUTS, name="demo", started_at=1000.0):
    return RunHeader(run_id, name, code_hash, inputs, "0.1.0", "1.4.0", "ab" * 16, started_at)


def args(*values, **named):
    return codec.encode_arguments(values, named, max_bytes=LIMIT)


def value(v):
    return codec.encode(v, max_bytes=LIMIT)


def start(store, seq, attempt=1, run_id="r1", task="add", at=None):
    store.call_started(run_id, seq, f"{seq}:{task}:k", task, args(seq), attempt, 1000.0 + seq if at is None else at)


def finish(store, seq, attempt=1, run_id="r1", ok=True, result=None, at=None, **flags):
    store.call_finished(
        run_id, seq, attempt, ok=ok, value=value(seq * 10 if result is None else result) if ok else None,
        error_type=None if ok else "ValueError", error_text=None if ok else f"bad {seq}",
        finished_at=1000.5 + seq if at is None else at, **flags,
    )


def run_log(url, run_id):
    """The run's log file for a SQLite store (None for PostgreSQL, which has none)."""
    if url.startswith("postgresql"):
        return None
    return Path(f"{url}-runlog") / runlog.log_name(run_id)


def worker(mode, url, run_id, *extra):
    return subprocess.Popen(
        [sys.executable, str(HERE / "store_worker.py"), mode, url, run_id, *map(str, extra)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


# ------------------------------------------------------------------ lifecycle


def test_backend_follows_the_address(store_url):
    with RunStore(store_url) as store:
        expected = PostgresRunStore if store_url.startswith("postgresql") else SQLiteRunStore
        assert type(store) is expected and isinstance(store, RunStore)
        assert "***" not in store.url


def test_run_lifecycle(store):
    state = store.open_run(header())
    assert (state.created, state.resumed, state.owned, state.changed, state.calls) == (True, False, True, (), ())
    assert state.run.status == "running" and state.run.owner.startswith(f"pid {os.getpid()} ")

    start(store, 1)
    finish(store, 1)
    start(store, 2)
    finish(store, 2, ok=False)
    store.finish_run("r1", ok=True, result=value({"total": 30}), error=None, finished_at=1010.0)

    run = store.get_run("r1")
    assert (run.status, codec.decode(run.result), run.error, run.started_at, run.duration_s) == ("ok", {"total": 30}, None, 1000.0, 10.0)
    assert codec.decode(run.inputs) == {"n": 3}
    calls = store.calls("r1")
    assert [(c.seq, c.attempt, c.state, c.task, c.duration_s) for c in calls] == [
        (1, 1, "ok", "add", 0.5), (2, 1, "error", "add", 0.5)]
    assert codec.decode(calls[0].value) == 10 and codec.decode_arguments(calls[0].args) == ((1,), {})
    assert (calls[1].error_type, calls[1].error_text, calls[1].value) == ("ValueError", "bad 2", None)

    again = store.open_run(header(started_at=2000.0))  # a finished run comes back as it is
    assert (again.created, again.resumed, again.owned, again.run.status) == (False, False, False, "ok")
    assert codec.decode(again.run.result) == {"total": 30} and len(again.calls) == 2
    with pytest.raises(StoreError, match="not open in this store"):
        start(store, 3)
    assert store.get_run("nope") is None and store.calls("nope") == ()


def test_a_failed_run_keeps_its_error(store):
    store.open_run(header())
    store.finish_run("r1", ok=False, result=None, error="TaskError: boom\x00 \udc80 end", finished_at=1001.0)
    run = store.get_run("r1")
    assert run.status == "error" and run.result is None
    assert run.error == "TaskError: boom\\x00 \\udc80 end"  # NUL and lone surrogates are not storable text


def test_resume_takes_over_and_marks_unfinished_calls_interrupted(store_url):
    first = RunStore(store_url)
    first.open_run(header())
    start(first, 1)
    finish(first, 1)
    start(first, 2)  # never finishes: its process "dies"
    first.close()  # gives the run up unfinished

    with RunStore(store_url) as second:
        assert not second.is_live("r1")
        state = second.open_run(header(started_at=5000.0))
        assert (state.created, state.resumed, state.owned) == (False, True, True)
        assert (state.run.resumes, state.run.resumed_at, state.run.started_at) == (1, 5000.0, 1000.0)
        assert [(c.seq, c.state) for c in state.calls] == [(1, "ok"), (2, "interrupted")]
        assert state.latest_attempts()[2].interrupted and state.next_attempt(2) == 2 and state.next_attempt(3) == 1
        assert second.is_live("r1")
        start(second, 2, attempt=2)
        finish(second, 2, attempt=2)
        second.record("r1", CallStart(3, "3:add:k", "add", args(3), 1, 5003.0),
                      CallEnd(3, 1, True, value(30), None, None, 5003.0, replayed=False, cached=True))
        second.finish_run("r1", ok=True, result=value(60), error=None, finished_at=5004.0)
        calls = second.calls("r1")
        assert [(c.seq, c.attempt, c.state, c.cached) for c in calls] == [
            (1, 1, "ok", False), (2, 1, "interrupted", False), (2, 2, "ok", False), (3, 1, "ok", True)]


def test_a_changed_header_is_reported_and_nothing_is_written(store_url):
    with RunStore(store_url) as store:
        store.open_run(header())
        start(store, 1)
        store.release("r1")
        for changes, changed in (
            ({"code_hash": "code-2"}, ("code_hash",)),
            ({"inputs": codec.encode({"n": 4}, max_bytes=100)}, ("inputs",)),
            ({"name": "other", "code_hash": "code-2"}, ("name", "code_hash")),
        ):
            state = store.open_run(header(**changes))
            assert (state.changed, state.owned, state.resumed) == (changed, False, False)
            assert state.run.code_hash == "code-1" and state.run.resumes == 0
            assert [c.state for c in state.calls] == ["running"]  # not marked: nothing was taken over
        with pytest.raises(StoreError):
            start(store, 2)
        assert store.open_run(header()).resumed  # the same header still resumes


def test_one_owner_at_a_time(store_url):
    one, two = RunStore(store_url), RunStore(store_url)
    try:
        one.open_run(header())
        with pytest.raises(RunBusyError, match="this process") as caught:
            one.open_run(header())
        assert caught.value.run_id == "r1"
        with pytest.raises(RunBusyError, match="already being executed"):
            two.open_run(header())
        assert two.is_live("r1") and one.is_live("r1")
        with pytest.raises(StoreError, match="not open"):
            start(two, 1)
        two.open_run(header("r2"))  # other runs are free
        one.release("r1")
        assert two.open_run(header()).resumed
        assert not one.is_live("nope")
    finally:
        one.close()
        two.close()


def test_finishing_a_run_marks_calls_still_running_interrupted(store):
    store.open_run(header())
    for seq in (1, 2, 3):
        start(store, seq)
    finish(store, 2)
    store.finish_run("r1", ok=False, result=None, error="TaskError: 2 failed", finished_at=1009.0)
    assert [c.state for c in store.calls("r1")] == ["interrupted", "ok", "interrupted"]


def test_each_call_position_is_recorded_once(store):
    store.open_run(header())
    start(store, 1)
    with pytest.raises(StoreError, match="already recorded"):
        start(store, 1)
    with pytest.raises(StoreError, match="was not started"):
        finish(store, 2)
    finish(store, 1)
    with pytest.raises(StoreError, match="already finished"):
        finish(store, 1)
    for seq, attempt in ((0, 1), (1, 0), ("1", 1)):
        with pytest.raises(StoreError, match="positive ints"):
            store.call_started("r1", seq, "k", "t", args(), attempt, 1.0)
    # a batch is one transaction: a failing event undoes the whole batch
    with pytest.raises(StoreError):
        store.record("r1", CallStart(5, "5:t:k", "t", args(), 1, 1.0), CallStart(1, "1:t:k", "t", args(), 1, 1.0))
    assert [c.seq for c in store.calls("r1")] == [1]
    store.record("r1", CallStart(5, "5:t:k", "t", args(), 1, 1.0))
    store.record("r1", CallEnd(5, 1, True, value(1), None, None, 2.0), CallStart(6, "6:t:k", "t", args(), 1, 2.0))
    assert [(c.seq, c.state) for c in store.calls("r1")] == [(1, "ok"), (5, "ok"), (6, "running")]
    with pytest.raises(StoreError, match="call 7 attempt 1 was not started"):
        store.record("r1", CallEnd(7, 1, True, value(1), None, None, 3.0), CallStart(8, "8:t:k", "t", args(), 1, 3.0))
    with pytest.raises(StoreError, match="already recorded"):
        store.record("r1", CallEnd(6, 1, True, value(1), None, None, 3.0), CallStart(1, "1:t:k", "t", args(), 1, 3.0))
    with pytest.raises(StoreError, match="already recorded"):
        store.record("r1", CallStart(9, "9:t:k", "t", args(), 1, 3.0), CallEnd(6, 1, True, value(1), None, None, 3.0),
                     CallStart(9, "9:t:k", "t", args(), 1, 3.0))
    assert [(c.seq, c.state) for c in store.calls("r1")] == [(1, "ok"), (5, "ok"), (6, "running")]  # all or nothing
    store.record("r1", *(CallStart(seq, f"{seq}:t:k", "t", args(seq), 1, 4.0) for seq in range(10, 14)))
    assert [c.seq for c in store.calls("r1")] == [1, 5, 6, 10, 11, 12, 13]


@pytest.mark.parametrize("run_id", ["", "a\nb", "tab\there", "x" * 257, "bidi\u202e", None])
def test_run_ids_are_checked(store, run_id):
    with pytest.raises(StoreError, match="run id"):
        store.open_run(header(run_id))


# ------------------------------------------------------------------ values


@given(values)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_values_round_trip_exactly_through_the_store(store, v):
    if store.get_run("rt") is None:
        store.open_run(header("rt"))
    seq = len(store.calls("rt")) + 1
    text = codec.encode(v, max_bytes=LIMIT)
    store.call_started("rt", seq, f"{seq}:echo:k", "echo", codec.encode_arguments((v,), {"same": v}, max_bytes=LIMIT), 1, 1.0)
    store.call_finished("rt", seq, 1, ok=True, value=text, error_type=None, error_text=None, finished_at=2.0)
    stored = store.calls("rt")[-1]
    assert stored.value == text
    assert same(codec.decode(stored.value), v)
    assert same(codec.decode_arguments(stored.args), ((v,), {"same": v}))


def test_large_values_are_stored_whole_and_oversized_ones_refused(store):
    store.open_run(header())
    limit = 4 * 1024 * 1024
    big = {"blob": b"\x00\xff" * 1_000_000, "text": "é" * 500_000, "tuple": tuple(range(50_000))}
    text = codec.encode(big, max_bytes=limit)
    start(store, 1)
    store.call_finished("r1", 1, 1, ok=True, value=text, error_type=None, error_text=None, finished_at=2000.0)
    assert same(codec.decode(store.calls("r1")[0].value), big)  # never truncated
    shared = ["x" * 1_000_000] * 3000
    with pytest.raises(codec.ValueTooLarge) as caught:
        codec.encode(shared, max_bytes=limit)
    assert caught.value.limit == limit and str(limit) in str(caught.value)


# ------------------------------------------------------------------ cache and reads


def test_cache_hit_and_miss(store_url):
    with RunStore(store_url) as one, RunStore(store_url) as two:
        key = f"add:src:1:{codec.digest((1, 2))}"
        assert one.cache_get(key) is None
        one.cache_put(key, "add", "1", value(3))
        assert two.cache_get(key) == value(3)  # across stores: another run, another process
        one.cache_put(key, "add", "1", value((3,)))
        assert codec.decode(two.cache_get(key)) == (3,)
        assert two.cache_get(key.replace(":1:", ":2:")) is None  # a version bump misses


def test_list_runs_newest_first(store):
    for index, run_id in enumerate(["a", "b", "c", "d"]):
        store.open_run(header(run_id, started_at=1000.0 + index))
    store.finish_run("b", ok=True, result=value(1), error=None, finished_at=1005.0)
    store.finish_run("c", ok=False, result=None, error="x", finished_at=1005.0)
    assert [r.run_id for r in store.list_runs()] == ["d", "c", "b", "a"]
    assert [r.run_id for r in store.list_runs(limit=2)] == ["d", "c"]
    assert [r.run_id for r in store.list_runs(status="running")] == ["d", "a"]
    assert [r.run_id for r in store.list_runs(status="error")] == ["c"]
    with pytest.raises(StoreError):
        store.list_runs(limit=0)
    with pytest.raises(StoreError):
        store.list_runs(status="done")


def test_threads_share_one_store(store):
    def run(index):
        run_id = f"t{index}"
        store.open_run(header(run_id))
        for seq in range(1, 21):
            start(store, seq, run_id=run_id)
            finish(store, seq, run_id=run_id)
        store.finish_run(run_id, ok=True, result=value(index), error=None, finished_at=2000.0)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.run_id for r in store.list_runs(status="ok")) == ["t0", "t1", "t2", "t3"]
    assert all(len(store.calls(f"t{i}")) == 20 for i in range(4))


# ------------------------------------------------------------------ processes


def test_processes_write_while_another_reads(store_url):
    RunStore(store_url).close()  # the schema exists before the writers race to it
    with RunStore(store_url) as reader:
        writers = [worker("write", store_url, run_id, 150) for run_id in ("w1", "w2")]
        seen = []
        while any(w.poll() is None for w in writers):
            seen.append(len(reader.calls("w1")))
            reader.list_runs()
        for writer in writers:
            out, err = writer.communicate(timeout=120)
            assert writer.returncode == 0 and out == "done\n", err
        assert seen == sorted(seen)  # every read is a consistent, growing prefix
        for run_id in ("w1", "w2"):
            calls = reader.calls(run_id)
            assert [c.seq for c in calls] == list(range(1, 151)) and all(c.state == "ok" for c in calls)
            assert reader.get_run(run_id).status == "ok" and not reader.is_live(run_id)


def test_processes_creating_a_new_store_at_once(store_url):
    writers = [worker("write", store_url, f"first{i}", 5) for i in range(4)]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0 and out == "done\n", err
    with RunStore(store_url) as store:
        assert sorted(r.run_id for r in store.list_runs(status="ok")) == ["first0", "first1", "first2", "first3"]


def test_two_processes_racing_for_one_run_id(store_url):
    RunStore(store_url).close()
    for round_ in range(3):
        racers = [
            subprocess.Popen(
                [sys.executable, str(HERE / "store_worker.py"), "race", store_url, f"race{round_}"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for _ in range(2)
        ]
        try:
            time.sleep(0.5)  # both have imported and opened the store; this is not an assertion on time
            for racer in racers:
                racer.stdin.write("go\n")
                racer.stdin.flush()
            answers = sorted(racer.stdout.readline().strip() for racer in racers)
            assert answers == ["busy", "owned"], [r.stderr.read() for r in racers if r.poll() is not None]
        finally:
            for racer in racers:
                racer.stdin.close()
                racer.wait(timeout=60)
                racer.stdout.close()
                racer.stderr.close()
        with RunStore(store_url) as store:
            assert store.get_run(f"race{round_}").resumes == 0


def test_a_killed_owner_leaves_a_durable_started_call(store_url):
    holder = worker("hold", store_url, "k")
    try:
        assert holder.stdout.readline() == "started\n"
        with RunStore(store_url) as other:
            with pytest.raises(RunBusyError) as caught:
                other.open_run(header("k"))
            assert f"pid {holder.pid} " in str(caught.value)
            assert other.is_live("k")
            assert [(c.seq, c.state) for c in other.calls("k")] == [(1, "running")]  # read while it lives
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
            assert holder.returncode == -signal.SIGKILL

            assert not other.is_live("k")  # the lock died with its process
            calls = other.calls("k")
            assert [(c.seq, c.task, c.state, c.finished_at) for c in calls] == [(1, "slow", "running", None)]
            assert codec.decode_arguments(calls[0].args) == ((1,), {})
            log = run_log(store_url, "k")
            assert log is None or log.exists()  # SQLite: the start is in the dead process's run log
            state = other.open_run(RunHeader("k", "worker", "code-1", codec.encode({"n": 1}, max_bytes=100), "0", "0", "0" * 32, 9.0))
            assert state.resumed and [c.state for c in state.calls] == ["interrupted"]
            assert log is None or not log.exists()  # folded by the process that took the run over
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()
        holder.stderr.close()


def test_a_reader_in_another_process_sees_the_calls_of_a_live_run(store_url):
    RunStore(store_url).close()
    writer = subprocess.Popen(
        [sys.executable, str(HERE / "store_worker.py"), "live", store_url, "lv", "3"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline() == "ready\n", writer.stderr
        log = run_log(store_url, "lv")
        before = None if log is None else (log.stat().st_ino, log.stat().st_size)
        with RunStore(store_url, create=False) as reader:
            calls = reader.calls("lv")
            assert [(c.seq, c.state) for c in calls] == [(1, "ok"), (2, "ok"), (3, "ok"), (4, "running")]
            assert [codec.decode(c.value) for c in calls[:3]] == [2, 3, 4] and calls[3].value is None
            assert reader.is_live("lv") and reader.get_run("lv").status == "running"
            if log is not None:  # a reader never folds a run it does not hold
                assert (log.stat().st_ino, log.stat().st_size) == before
                with sqlite3.connect(store_url) as conn:
                    assert conn.execute("SELECT count(*) FROM sbx_calls WHERE run_id = 'lv'").fetchone() == (0,)
            writer.stdin.write("go\n")
            writer.stdin.flush()
            assert writer.stdout.readline() == "done\n", writer.stderr
            assert [(c.seq, c.state) for c in reader.calls("lv")] == [(1, "ok"), (2, "ok"), (3, "ok"), (4, "ok")]
            assert reader.get_run("lv").status == "ok"
            assert log is None or not log.exists()
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
        writer.stdout.close()
        writer.stderr.close()


# ------------------------------------------------------------------ addresses


def test_sqlite_addresses(tmp_path):
    path = tmp_path / "a.sqlite"
    with RunStore(path) as by_path:
        by_path.open_run(header())
    with RunStore(f"sqlite://{path}") as by_url, RunStore(f"sqlite://{path}?synchronous=full") as full:
        assert by_url.get_run("r1") is not None and full.synchronous == "full"
        assert full._conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert by_url._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    os.chdir(tmp_path)
    with RunStore("a.sqlite", create=False) as relative:
        assert relative.get_run("r1").status == "running"


@pytest.mark.parametrize("url, message", [
    ("mysql://x/y", "unsupported store URL scheme 'mysql'"),
    ("sqlite://relative.sqlite", "absolute path"),
    ("sqlite:///tmp/x.sqlite?journal=off", "unknown SQLite store option"),
    ("sqlite:///tmp/x.sqlite?synchronous=off", "synchronous must be one of"),
    (":memory:", "needs a file path"),
    ("", "a store is a path"),
    ("/no/such/dir/runs.sqlite", "directory does not exist"),
])
def test_bad_addresses_are_clear_errors(url, message):
    with pytest.raises(StoreError, match=message):
        RunStore(url)


def test_opening_without_create(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        RunStore(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()
    (tmp_path / "text.sqlite").write_text("not a database at all, just text " * 100)
    with pytest.raises(StoreError, match="text.sqlite"):
        RunStore(tmp_path / "text.sqlite", create=False)
    sqlite3.connect(tmp_path / "other.sqlite").execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not a sandbox-lint run store"):
        RunStore(tmp_path / "other.sqlite", create=False)


def test_a_newer_schema_is_refused(store_url):
    RunStore(store_url).close()
    if store_url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute("UPDATE sbx_meta SET value = '99' WHERE key = 'schema_version'")
    else:
        with sqlite3.connect(store_url) as conn:
            conn.execute("UPDATE sbx_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99, newer"):
        RunStore(store_url)


def test_postgres_connection_errors_are_one_line_without_the_password(postgres_server):
    bad = f"postgresql://{'sbx_test'}:s3cret@127.0.0.1:1/postgres"
    with pytest.raises(StoreError) as caught:
        RunStore(bad, connect_timeout_s=5)
    text = str(caught.value)
    assert "s3cret" not in text and "***" in text and "\n" not in text
    with pytest.raises(StoreError, match="cannot connect"):
        RunStore("postgresql://127.0.0.1:1/x?bogus_option=1")
