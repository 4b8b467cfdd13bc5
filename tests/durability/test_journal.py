"""The journal interceptor in one process: what it records, what a resume answers, divergence, values.

A run is cut off here the way Ctrl-C cuts it: a task raises KeyboardInterrupt,
which no part of the runtime catches; the run stays unfinished in the store and
the same run id resumes it. (The SIGKILL version is test_resume.py.)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import runtime
from runtime import BoundaryTypeError, LimitExceeded, ReplayDivergedError, RunStore, SandboxError, TaskError, codec, sandbox
from runtime.driver import execute
from runtime.events import RunEvent, TaskCallFinished, TaskCallStarted
from runtime.handles import DataFrame, Dir, File
from runtime.journal import Journal, code_hash
from runtime.seam import Interceptor
from runtime.store import RunHeader
from runtime.versions import monty_version, runtime_version

env = runtime.TaskEnvironment(name="journal-tests")
ran: list[tuple[str, Any]] = []
stop_at: dict[str, Any] = {}


def _maybe_stop(name: str, value: Any) -> None:
    ran.append((name, value))
    if name in stop_at and stop_at[name] == value:
        stop_at.clear()
        raise KeyboardInterrupt  # as if the process were stopped here


@env.task
def step(i: int) -> int:
    _maybe_stop("step", i)
    return i * 10


@env.task
def fail(i: int) -> int:
    ran.append(("fail", i))
    raise ValueError(f"bad {i}")


@env.task
def echo(value: dict) -> dict:  # type: ignore[type-arg]
    _maybe_stop("echo", repr(value))
    return value


@env.task
def ident(i: int) -> int:
    _maybe_stop("ident", i)
    return i


@env.task
def exact() -> dict:  # type: ignore[type-arg]
    ran.append(("exact", None))
    return {
        "bytes": b"\x00\xffraw", "tuple": (1, (2.5, "x")), "list": [1, [2]], "none": None, "negzero": -0.0,
        "big": 2**80, "int_keys": {1: "a", (2, 3): "b", None: "c"}, "file": File("s3://bucket/k"), "dir": Dir("/data"),
        "inf": math.inf, "unicode": "é\u202e",
    }


@env.task
def frame() -> DataFrame:
    import pandas

    ran.append(("frame", None))
    return DataFrame(pandas.DataFrame({"mixed": [1, "a"]}))  # not exactly Parquet-able: not replayable


@env.task
def rows(df: DataFrame) -> int:
    _maybe_stop("rows", None)
    return len(df.to_pandas())


@env.task
def big(n: int) -> str:
    return "x" * n


TASKS = list(env.tasks.values())


def template(source: str, **options: Any) -> Any:
    return sandbox.orchestrator_from_str(source, tasks=TASKS, name="journal-test", **options)


@pytest.fixture(autouse=True)
def _reset() -> Any:
    ran.clear()
    stop_at.clear()
    yield
    stop_at.clear()


def interrupted(run: Any) -> None:
    with pytest.raises(KeyboardInterrupt):
        run()


SEQUENCE = "a = step(1)\nb = step(2)\nc = step(3)\n[a, b, c]"


def test_a_journaled_run_records_header_calls_and_result(store: RunStore) -> None:
    t = template(SEQUENCE)
    result = t.execute(run_id="r1", store=store)
    assert result.value == [10, 20, 30] and result.run_id == "r1"
    run = store.get_run("r1")
    assert run is not None
    assert (run.name, run.status, run.code_hash, run.runtime_version, run.monty_version) == (
        "journal-test", "ok", code_hash(t.program), runtime_version(), monty_version(),
    )
    assert codec.decode(run.result or "") == [10, 20, 30] and codec.decode(run.inputs) == {}
    assert len(run.trace_id) == 32 and run.resumes == 0
    calls = store.calls("r1")
    assert [(c.seq, c.attempt, c.task, codec.decode_arguments(c.args), codec.decode(c.value or "")) for c in calls] == [
        (1, 1, "step", ((1,), {}), 10), (2, 1, "step", ((2,), {}), 20), (3, 1, "step", ((3,), {}), 30),
    ]
    assert [c.call_key for c in calls] == [c.call_key for c in result.calls]
    assert all(c.state == "ok" and not c.replayed and c.started_at <= (c.finished_at or 0) for c in calls)


def test_resume_answers_finished_calls_and_reruns_the_interrupted_one(store: RunStore) -> None:
    t = template(SEQUENCE)
    stop_at["step"] = 2
    interrupted(lambda: t.execute(run_id="r2", store=store))
    assert ran == [("step", 1), ("step", 2)]
    assert [(c.seq, c.state) for c in store.calls("r2")] == [(1, "ok"), (2, "running")]
    ran.clear()
    events: list[RunEvent] = []
    result = t.execute(run_id="r2", store=store, on_event=events.append)
    assert result.value == [10, 20, 30]
    assert ran == [("step", 2), ("step", 3)]  # call 1 came from the journal
    assert [(c.seq, c.replayed, c.attempts) for c in result.calls] == [(1, True, 1), (2, False, 2), (3, False, 1)]
    started = [(e.seq, e.attempt, e.replayed) for e in events if isinstance(e, TaskCallStarted)]
    assert started == [(1, 1, True), (2, 2, False), (3, 1, False)]
    attempts = [(c.seq, c.attempt, c.state, c.interrupted) for c in store.calls("r2")]
    assert attempts == [(1, 1, "ok", False), (2, 1, "interrupted", True), (2, 2, "ok", False), (3, 1, "ok", False)]
    run = store.get_run("r2")
    assert run is not None and run.resumes == 1 and run.status == "ok"


def test_a_finished_run_returns_its_stored_result_without_running(store: RunStore) -> None:
    t = template(SEQUENCE)
    first = t.execute(run_id="r3", store=store)
    ran.clear()
    again = t.execute(run_id="r3", store=store)
    assert again.value == first.value and ran == []
    assert [(c.seq, c.result, c.replayed) for c in again.calls] == [(1, 10, True), (2, 20, True), (3, 30, True)]
    assert runtime.run(t, run_id="r3", store=store) == [10, 20, 30] and ran == []


def test_a_failed_run_raises_its_stored_error_without_running(store: RunStore) -> None:
    t = template("a = step(1)\nfail(a)")
    with pytest.raises(TaskError):
        t.execute(run_id="r4", store=store)
    run = store.get_run("r4")
    assert run is not None and run.status == "error" and "ValueError: bad 10" in (run.error or "")
    failed = store.calls("r4")[-1]
    assert (failed.state, failed.error_type, failed.error_text) == ("error", "ValueError", "bad 10")
    assert isinstance(codec.decode(failed.value or ""), ValueError)
    ran.clear()
    with pytest.raises(SandboxError, match="already finished with an error.*bad 10") as info:
        t.execute(run_id="r4", store=store)
    assert ran == [] and info.value.run_id == "r4"


def test_a_failed_call_is_answered_with_its_error_on_resume(store: RunStore) -> None:
    # map_task(return_exceptions=True) keeps going after a failure; the error is replayed as the value.
    t = template("xs = map_task(fail, [1, 2], return_exceptions=True)\nb = step(5)\n[repr(x) for x in xs] + [b]")
    stop_at["step"] = 5
    interrupted(lambda: t.execute(run_id="r5", store=store))
    ran.clear()
    assert t.execute(run_id="r5", store=store).value == ["ValueError('bad 1')", "ValueError('bad 2')", 50]
    assert ran == [("step", 5)]


def test_values_round_trip_exactly_through_the_journal(store: RunStore) -> None:
    expected = exact.func()
    t = template("v = exact()\necho(v)\nv")
    stop_at["echo"] = repr(expected)
    ran.clear()
    interrupted(lambda: t.execute(run_id="r6", store=store))
    ran.clear()
    resumed = t.execute(run_id="r6", store=store)
    assert ran == [("echo", repr(expected))]  # exact() was answered from the journal
    stored = t.execute(run_id="r6", store=store)  # finished: the stored result
    for value in (resumed.value, stored.value):
        assert_same(value, expected)


def assert_same(got: Any, want: Any) -> None:
    assert type(got) is type(want), (got, want)
    if isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            assert_same(got[key], want[key])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert_same(a, b)
    elif isinstance(want, float):
        assert repr(got) == repr(want)  # -0.0 stays -0.0
    else:
        assert got == want


def test_a_value_the_journal_cannot_hold_makes_its_call_rerun(store: RunStore) -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    t = template("df = frame()\nn = rows(df)\nm = step(n)\nm")
    stop_at["step"] = 2
    interrupted(lambda: t.execute(run_id="r7", store=store))
    calls = store.calls("r7")
    assert (calls[0].state, calls[0].value, calls[0].error_type) == ("ok", None, "NotReplayable")
    assert "<arguments not recorded: " in calls[1].args and calls[1].state == "ok"
    ran.clear()
    assert t.execute(run_id="r7", store=store).value == 20
    assert ran == [("frame", None), ("rows", None), ("step", 2)]  # neither frame call could be answered


def test_an_oversized_value_fails_the_run_clearly(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    t = template("big(n)", inputs={"n": int})
    with pytest.raises(LimitExceeded, match="result of call 1 .*too large to record") as info:
        execute(t.program, {"n": 5000}, interceptors=[Journal(store, t.program, "big", max_value_bytes=1000)], run_id="big")
    assert info.value.limit == "journal_value"
    run = store.get_run("big")
    assert run is not None and run.status == "error" and "too large" in (run.error or "")
    assert store.calls("big")[0].error_type == "ValueTooLarge"
    with pytest.raises(LimitExceeded, match="inputs is too large"):
        execute(t.program, {"n": 10**400}, interceptors=[Journal(store, t.program, "big2", max_value_bytes=50)], run_id="big2")
    with pytest.raises(LimitExceeded, match="result is too large"):
        t2 = template("'y' * 2000")
        execute(t2.program, {}, interceptors=[Journal(store, t2.program, "big3", max_value_bytes=1000)], run_id="big3")
    assert (store.get_run("big3") or pytest.fail()).status == "error"
    with pytest.raises(BoundaryTypeError, match="cannot be recorded"):
        sandbox.orchestrate_local_sync("x", inputs={"x": {1, 2}}, run_id="set", store=store)
    store.close()


def _forge(store: RunStore, program: Any, run_id: str, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
    """A journal as if a run of `program` had made `calls` and then died."""
    header = RunHeader(run_id, program.name, code_hash(program), codec.encode({}, max_bytes=100), runtime_version(),
                       monty_version(), "0" * 32, 1.0)
    store.open_run(header)
    for seq, (task, args) in enumerate(calls, 1):
        store.call_started(run_id, seq, f"{seq}:{task}:forged", task, codec.encode_arguments(args, {}, max_bytes=100), 1, 1.0)
        store.call_finished(run_id, seq, 1, ok=True, value=codec.encode(seq * 10, max_bytes=100), error_type=None,
                            error_text=None, finished_at=1.0)
    store.release(run_id)


def test_a_call_with_other_arguments_at_the_same_position_diverges(store: RunStore) -> None:
    t = template(SEQUENCE)
    _forge(store, t.program, "d1", [("step", (1,)), ("step", (99,))])
    with pytest.raises(ReplayDivergedError) as info:
        t.execute(run_id="d1", store=store)
    error = info.value
    assert error.seq == 2 and error.recorded == "step(99)" and error.new == "step(2)"
    assert "diverged at call 2 (line 2)" in str(error) and "step(99)" in str(error) and "step(2)" in str(error)
    assert ran == []  # nothing ran: call 1 was answered, call 2 refused
    assert error.run_id == "d1" and [c.seq for c in error.calls] == [1]


def test_a_call_of_another_task_at_the_same_position_diverges(store: RunStore) -> None:
    t = template(SEQUENCE)
    _forge(store, t.program, "d2", [("ident", (1,))])
    with pytest.raises(ReplayDivergedError, match=r"recorded ident\(1\), the program now calls step\(1\)"):
        t.execute(run_id="d2", store=store)


def test_changed_code_diverges_before_anything_runs(store: RunStore) -> None:
    stop_at["step"] = 2
    interrupted(lambda: template(SEQUENCE).execute(run_id="d3", store=store))
    ran.clear()
    changed = template(SEQUENCE.replace("step(3)", "step(4)"))
    with pytest.raises(ReplayDivergedError, match="the program .* changed") as info:
        changed.execute(run_id="d3", store=store)
    assert info.value.seq is None and ran == []
    with pytest.raises(ReplayDivergedError, match="the inputs changed"):
        sandbox.orchestrate_local_sync("x", inputs={"x": 1}, run_id="d4", store=store)
        sandbox.orchestrate_local_sync("x", inputs={"x": 2}, run_id="d4", store=store)
    # the unchanged program still resumes
    assert template(SEQUENCE).execute(run_id="d3", store=store).value == [10, 20, 30]


def test_blank_lines_before_the_code_do_not_change_its_hash() -> None:
    assert code_hash(template(SEQUENCE).program) == code_hash(template("\n\n" + SEQUENCE).program)
    assert code_hash(template(SEQUENCE).program) != code_hash(template(SEQUENCE + " ").program)


def test_concurrent_calls_keep_their_positions_whatever_order_they_finish(store: RunStore) -> None:
    from runtime.calls import call_key

    source = "async def main():\n    return await gather(ident(3), ident(2), ident(1), step(4))\nawait main()\n"
    t = template(source)
    header = RunHeader("g1", t.program.name, code_hash(t.program), codec.encode({}, max_bytes=100), runtime_version(),
                       monty_version(), "0" * 32, 1.0)
    store.open_run(header)
    for seq, (task, arg) in enumerate([("ident", 3), ("ident", 2), ("ident", 1), ("step", 4)], 1):
        store.call_started("g1", seq, call_key(seq, task, (arg,), {}), task, codec.encode_arguments((arg,), {}, max_bytes=100), 1, 1.0)
    for seq, value in ((3, 1), (1, 3)):  # finished out of order; call 2 and 4 were cut off
        store.call_finished("g1", seq, 1, ok=True, value=codec.encode(value, max_bytes=100), error_type=None,
                            error_text=None, finished_at=2.0 + seq)
    store.release("g1")
    result = t.execute(run_id="g1", store=store)
    assert result.value == [3, 2, 1, 40]
    assert [(c.seq, c.replayed) for c in result.calls] == [(1, True), (2, False), (3, True), (4, False)]
    assert sorted(ran) == [("ident", 2), ("step", 4)]
    assert [(c.seq, c.attempt, c.state) for c in store.calls("g1")] == [
        (1, 1, "ok"), (2, 1, "interrupted"), (2, 2, "ok"), (3, 1, "ok"), (4, 1, "interrupted"), (4, 2, "ok"),
    ]


def test_a_run_owned_elsewhere_is_refused(store_url: str) -> None:
    holder = RunStore(store_url)
    other = RunStore(store_url)
    try:
        t = template(SEQUENCE)
        holder.open_run(RunHeader("busy", "journal-test", code_hash(t.program), codec.encode({}, max_bytes=100),
                                  runtime_version(), monty_version(), "0" * 32, 1.0))
        with pytest.raises(SandboxError, match="already being executed") as info:
            t.execute(run_id="busy", store=other)
        assert type(info.value.__cause__).__name__ == "RunBusyError"
        assert ran == []
    finally:
        holder.close()
        other.close()


def test_every_entry_point_takes_run_id_and_store(tmp_path: Path) -> None:
    url = str(tmp_path / "runs.sqlite")

    @env.sandbox.orchestrator
    def pipeline(n: int) -> int:
        return step(n) + 1

    @env.sandbox.orchestrator
    async def apipeline(n: int) -> int:
        return await step(n) + 2

    import asyncio

    assert pipeline(1, run_id="e1", store=url) == 11
    assert pipeline.execute(1, run_id="e2", store=url).value == 11
    assert pipeline.forward(1, run_id="e3", store=url) == 11
    assert asyncio.run(apipeline(1, run_id="e4", store=url)) == 12
    t = template("step(x)", inputs={"x": int})
    assert t(x=2, run_id="e5", store=url) == 20
    assert asyncio.run(t.aio(x=2, run_id="e6", store=url)) == 20
    assert runtime.execute(t, x=2, run_id="e7", store=url).value == 20
    assert runtime.run(pipeline, n=1, run_id="e8", store=url) == 11
    assert sandbox.orchestrate_local_sync("step(1)", tasks=[step], run_id="e9", store=url) == 10
    assert asyncio.run(sandbox.orchestrate_local("step(1)", tasks=[step], run_id="e10", store=url)) == 10
    assert sandbox.orchestrate_local_detailed("step(1)", tasks=[step], run_id="e11", store=url).run_id == "e11"
    with RunStore(url) as store:
        ids = {run.run_id for run in store.list_runs(limit=50)}
        assert ids == {f"e{i}" for i in range(1, 12)}
        assert all(run.status == "ok" for run in store.list_runs(limit=50))
        fresh = t.execute(x=3, store=store)  # a store without a run id: a new run each time
        assert store.get_run(fresh.run_id) is not None


def test_bad_run_settings_are_clear_errors() -> None:
    t = template("1")
    with pytest.raises(TypeError, match="run_id must be a string"):
        t.execute(run_id=42)
    with pytest.raises(ValueError, match="control or invisible"):
        t.execute(run_id="a\x1bb")
    with pytest.raises(TypeError, match="store must be a RunStore"):
        t.execute(store=3.5)
    with pytest.raises(runtime.TaskDefinitionError, match="`store` is reserved"):
        sandbox.orchestrator_from_str("store", inputs={"store": int})
    with pytest.raises(runtime.TaskDefinitionError, match="`run_id` is reserved"):
        @env.sandbox.orchestrator
        def clash(run_id: str) -> str:
            return run_id


class Counting(Interceptor):
    strict = False

    def __init__(self) -> None:
        self.finished: list[TaskCallFinished] = []

    def on_event(self, event: RunEvent) -> None:
        if isinstance(event, TaskCallFinished):
            self.finished.append(event)


def test_back_to_back_writes_share_transactions(tmp_path: Path) -> None:
    """One transaction per call, not two: every `record` batch and `finish_run` is one transaction."""
    store = RunStore(tmp_path / "runs.sqlite")
    batches: list[list[str]] = []
    record, finish = store.record, store.finish_run

    def counting_record(run_id: str, *events: Any) -> None:
        batches.append([type(e).__name__ for e in events])
        record(run_id, *events)

    def counting_finish(run_id: str, **kwargs: Any) -> None:
        batches.append(["finish", *(type(e).__name__ for e in kwargs.get("events", ()))])
        finish(run_id, **kwargs)

    store.record = counting_record  # type: ignore[method-assign]
    store.finish_run = counting_finish  # type: ignore[method-assign]
    sandbox.orchestrate_local_sync("t = 0\nfor i in range(20):\n    t = t + step(i)\nt", tasks=[step], run_id="b1", store=store)
    assert batches == [["CallStart"]] + [["CallEnd", "CallStart"]] * 19 + [["finish", "CallEnd"]]
    batches.clear()
    sandbox.orchestrate_local_sync("map_task(step, list(range(20)))", tasks=[step], run_id="b2", store=store, concurrency=20)
    assert batches[0] == ["CallStart"] * 20  # the fan-out's starts: one transaction
    assert sum(b.count("CallEnd") for b in batches) == 20 and len(batches) <= 1 + 20 + 1  # ends as collected
    assert len([c for c in store.calls("b2") if c.state == "ok"]) == 20
    store.close()
