"""Runtime benchmarks: ratios against baselines measured in the same run.

    python bench/runtime.py [--quick] [--durable]

1. per-task-call overhead: a program making N task calls, run by the runtime
   vs. the same program answered by hand on a raw Monty session
   (target ratio <= 1.5);
2. a repeated one-call `await orchestrate_local(...)`: median µs
   (target <= 300 µs), next to the raw Monty floor for the same work;
3. 64 tasks sleeping 50 ms under `gather` with concurrency 16, as a ratio
   to the ideal 4 waves x 50 ms = 200 ms (target <= 1.2);
4. Flyte's `orchestrate_local` on the same programs, if `flyte` imports
   (set FLYTE_PYTHON to a venv's python that has `flyte[sandbox]`);
5. Monty's per-feed probe for OpenTelemetry: a one-call sync run with the
   runtime's scoped finder (`runtime.pool`) vs. without it (informational).
6. durable runs with a SQLite journal (WAL, synchronous=NORMAL, this disk):
   per task call, journaled vs. not (sequential calls, target ratio <= 1.5;
   and a map_task fan-out, whose starts share one write); next to it the
   same with one SQLite commit per write (the path before the run log) and
   with the store's writes discarded (what the journal and the seam cost
   alone); a call replayed from the journal on resume vs. a live journaled
   call (target <= 0.5) and vs. a live call without a journal;
7. tracing when OpenTelemetry is not in use: a one-call run with the
   runtime's check for it vs. without the check (target: no cost), and with
   spans on (an SDK provider, informational).
8. scale-out on Dask (a LocalCluster on loopback, 2 worker processes x 8
   threads): 200 calls sleeping 20 ms under `map_task` and under `gather`, as
   a ratio to the ideal 200 x 20 ms / 16 threads = 250 ms, next to a bare
   `client.map` of the same function in the same run (Dask's own floor) and
   to one submit per call (the runtime before batching). `--dask` runs only
   this section.
9. cold start: a new process that imports the runtime and runs one
   orchestration with one task call (`add(x, y) * 2`), vs a new process that
   imports pydantic_monty and runs the same program by hand (target <= 2.5x).
   Two figures: the program already checked on this machine (its pass is in
   the gate's on-disk verdicts, so libcst is never imported) and a program
   the machine has never seen (the checker runs). Runs alternate; bytecode
   is compiled first, as on any installed machine. `--cold` runs only this.

Benchmarks print; they never assert.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

# This file is named like the package it measures; keep bench/ off the import path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from pydantic_monty import CollectStreams, FunctionSnapshot, MontyComplete  # noqa: E402

import runtime  # noqa: E402
from runtime import sandbox  # noqa: E402
from runtime.driver import OS_POLICY  # noqa: E402
from runtime.limits import DEFAULT_LIMITS  # noqa: E402
from runtime.pool import get_pool  # noqa: E402

QUICK = "--quick" in sys.argv
env = runtime.TaskEnvironment(name="bench")


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
def nap(i: int) -> int:
    time.sleep(0.05)
    return i


@env.task
async def anap(i: int) -> int:
    await asyncio.sleep(0.05)
    return i


def by_hand(source: str, inputs: dict, n_runs: int) -> list[float]:
    """Raw Monty: checkout, feed_start, answer each FunctionSnapshot with add(*args)."""
    pool = get_pool()
    limits = DEFAULT_LIMITS.with_options(max_task_calls=100_000).monty_limits()
    times = []
    for _ in range(n_runs):
        start = time.perf_counter()
        with pool.checkout(limits=limits, os_policy=OS_POLICY) as session:  # type: ignore[arg-type]
            snap = session.feed_start(source, inputs=inputs, external_lookup={"add": add.func}, print_callback=CollectStreams())
            while not isinstance(snap, MontyComplete):
                assert isinstance(snap, FunctionSnapshot)
                snap = snap.resume({"return_value": add.func(*snap.args)})
        times.append(time.perf_counter() - start)
    return times


def through_runtime(source: str, inputs: dict, n_runs: int) -> list[float]:
    times = []
    for _ in range(n_runs):
        start = time.perf_counter()
        sandbox.orchestrate_local_sync(source, inputs=inputs, tasks=[add], max_task_calls=100_000)
        times.append(time.perf_counter() - start)
    return times


def per_call_overhead() -> None:
    n_calls = 2000 if QUICK else 5000
    runs = 3 if QUICK else 7
    source = f"t = 0\nfor i in range({n_calls}):\n    t = add(t, i)\nt"
    through_runtime(source, {}, 1)
    by_hand(source, {}, 1)
    hand = statistics.median(by_hand(source, {}, runs)) / n_calls
    ours = statistics.median(through_runtime(source, {}, runs)) / n_calls
    print(f"1. per task call: runtime {ours * 1e6:.1f} µs vs by hand {hand * 1e6:.1f} µs  ratio {ours / hand:.2f} (target <= 1.5)")


def one_call() -> float:
    reps = 200 if QUICK else 1000
    source = "add(x, y) * 2"
    inputs = {"x": 1, "y": 2}

    async def loop() -> list[float]:
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            value = await sandbox.orchestrate_local(source, inputs=inputs, tasks=[add])
            times.append(time.perf_counter() - start)
            assert value == 6
        return times

    asyncio.run(loop())  # warm: gate verdict cached, workers up
    async_median = statistics.median(asyncio.run(loop()))
    sync_times = through_runtime(source, inputs, reps)
    hand_times = by_hand(source, inputs, reps)
    print(
        f"2. one-call orchestrate_local: median {async_median * 1e6:.0f} µs async, "
        f"{statistics.median(sync_times) * 1e6:.0f} µs sync, raw Monty floor {statistics.median(hand_times) * 1e6:.0f} µs "
        f"(target <= 300 µs)"
    )
    return async_median


def fan_out() -> None:
    results = []
    for task, label in ((nap, "thread tasks"), (anap, "async tasks")):
        source = f"await gather(*[{task.name}(i) for i in range(64)])"
        sandbox.orchestrate_local_sync(source, tasks=[task], concurrency=16)
        walls = []
        for _ in range(2 if QUICK else 5):
            start = time.perf_counter()
            out = sandbox.orchestrate_local_sync(source, tasks=[task], concurrency=16)
            walls.append(time.perf_counter() - start)
            assert out == list(range(64))
        wall = statistics.median(walls)
        results.append(f"{label} {wall * 1000:.0f} ms ratio {wall / 0.2:.2f}")
    print("3. 64 x 50 ms under gather, concurrency 16 (ideal 200 ms): " + "; ".join(results) + " (target <= 1.2)")


FLYTE_SCRIPT = r"""
import asyncio, json, statistics, time
import flyte, flyte.sandbox
env = flyte.TaskEnvironment(name="bench")
@env.task
def add(x: int, y: int) -> int:
    return x + y
async def main():
    await flyte.sandbox.orchestrate_local("add(x, y) * 2", inputs={"x": 1, "y": 2}, tasks=[add])
    times = []
    for _ in range(REPS):
        start = time.perf_counter()
        await flyte.sandbox.orchestrate_local("add(x, y) * 2", inputs={"x": 1, "y": 2}, tasks=[add])
        times.append(time.perf_counter() - start)
    loop = "t = 0\nfor i in range(N):\n    t = add(t, i)\nt"
    start = time.perf_counter()
    await flyte.sandbox.orchestrate_local(loop, inputs={"unused": 0}, tasks=[add])
    per_call = (time.perf_counter() - start) / N
    print(json.dumps({"one_call": statistics.median(times), "per_call": per_call}))
asyncio.run(main())
"""


def flyte_side_by_side(ours_one_call: float) -> None:
    python = os.environ.get("FLYTE_PYTHON") or sys.executable
    # Flyte keeps Monty's default budget of 1000 suspensions per run: stay under it
    script = FLYTE_SCRIPT.replace("REPS", "100" if QUICK else "300").replace("range(N)", "range(500)").replace("/ N", "/ 500")
    try:
        done = subprocess.run([python, "-c", script], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"4. flyte: not run ({exc})")
        return
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        print(f"4. flyte: not available with {python} ({last})")
        return
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    loop = "t = 0\nfor i in range(500):\n    t = add(t, i)\nt"
    sandbox.orchestrate_local_sync(loop, tasks=[add])
    start = time.perf_counter()
    sandbox.orchestrate_local_sync(loop, tasks=[add])
    ours_per_call = (time.perf_counter() - start) / 500
    print(
        f"4. flyte orchestrate_local: one call {figures['one_call'] * 1e6:.0f} µs "
        f"(ours {ours_one_call * 1e6:.0f} µs, ratio {figures['one_call'] / ours_one_call:.2f}); "
        f"per task call {figures['per_call'] * 1e6:.1f} µs (ours {ours_per_call * 1e6:.1f} µs, ratio {figures['per_call'] / ours_per_call:.2f})"
    )


def otel_probe() -> None:
    import importlib.util

    from runtime import pool

    if importlib.util.find_spec("opentelemetry") is not None:
        print("5. OpenTelemetry probe: opentelemetry is installed, nothing to avoid")
        return
    source, reps = "add(1, 2)", 300 if QUICK else 1500

    def median_run() -> float:
        return _median_one_call_run(source, reps)

    sandbox.orchestrate_local_sync(source, tasks=[add])
    rounds = []
    for _ in range(3):  # alternate, so both sides see the same machine
        with_finder = median_run()
        sys.meta_path.remove(pool._finder)
        try:
            without = median_run()
        finally:
            sys.meta_path.insert(0, pool._finder)
        rounds.append((with_finder, without))
    with_finder = statistics.median(r[0] for r in rounds)
    without = statistics.median(r[1] for r in rounds)
    print(
        f"5. OpenTelemetry probe per feed: one-call sync run {with_finder * 1e6:.0f} µs with the scoped finder, "
        f"{without * 1e6:.0f} µs without (saves {(without - with_finder) * 1e6:.0f} µs, ratio {with_finder / without:.2f})"
    )


_interrupt = {"at": -1}


@env.task
def add_or_stop(x: int, y: int) -> int:
    if y == _interrupt["at"]:
        _interrupt["at"] = -1
        raise KeyboardInterrupt  # leaves the journaled run unfinished, to be resumed
    return x + y


def _spread(ratios: list[float]) -> str:
    return f"{min(ratios):.2f}-{max(ratios):.2f}"


def durable_runs() -> None:
    import tempfile

    from runtime import RunStore
    from runtime.store import SQLiteRunStore

    class OneCommitPerRecord(SQLiteRunStore):
        """The write path before the run log: every `record()` one SQLite transaction."""

        record = RunStore.record

    class WritesDiscarded(SQLiteRunStore):
        """The journal and the seam at work, the store writing nothing: the floor."""

        def record(self, run_id: str, *events: object) -> None:
            pass

        def finish_run(self, run_id: str, **kw: object) -> None:
            self.release(run_id)

    n_calls = 1000 if QUICK else 2000
    rounds = 3 if QUICK else 5
    folder = tempfile.mkdtemp(prefix="sbx-bench-")
    store = RunStore(os.path.join(folder, "runs.sqlite"))
    committing = OneCommitPerRecord(os.path.join(folder, "commits.sqlite"))
    discarding = WritesDiscarded(os.path.join(folder, "discard.sqlite"))
    loop = f"t = 0\nfor i in range({n_calls}):\n    t = add_or_stop(t, i)\nt"
    mapped = f"sum(map_task(add_or_stop, list(range({n_calls})), list(range({n_calls}))))"
    counter = [0]

    def timed(source: str, **kw: object) -> float:
        start = time.perf_counter()
        sandbox.orchestrate_local_sync(source, tasks=[add_or_stop], max_task_calls=100_000, **kw)  # type: ignore[arg-type]
        return (time.perf_counter() - start) / n_calls

    def fresh() -> str:
        counter[0] += 1
        return f"bench-{counter[0]}"

    timed(loop)
    timed(loop, run_id=fresh(), store=store)
    timed(loop, run_id=fresh(), store=committing)
    timed(loop, run_id=fresh(), store=discarding)
    plain, journaled, plain_map, journaled_map, replayed, commits, floor = [], [], [], [], [], [], []
    for _ in range(rounds):  # interleaved, so every side sees the same machine
        plain.append(timed(loop))
        journaled.append(timed(loop, run_id=fresh(), store=store))
        commits.append(timed(loop, run_id=fresh(), store=committing))
        floor.append(timed(loop, run_id=fresh(), store=discarding))
        plain_map.append(timed(mapped))
        journaled_map.append(timed(mapped, run_id=fresh(), store=store))
        run_id = fresh()
        _interrupt["at"] = n_calls - 1
        try:
            timed(loop, run_id=run_id, store=store)
        except KeyboardInterrupt:
            pass
        replayed.append(timed(loop, run_id=run_id, store=store))  # n - 1 calls answered from the journal
    for opened in (store, committing, discarding):
        opened.close()
    shutil_rmtree(folder)
    med = statistics.median
    seq_ratios = [j / p for j, p in zip(journaled, plain)]
    commit_ratios = [c / p for c, p in zip(commits, plain)]
    floor_ratios = [f / p for f, p in zip(floor, plain)]
    map_ratios = [j / p for j, p in zip(journaled_map, plain_map)]
    replay_ratios = [r / j for r, j in zip(replayed, journaled)]
    replay_plain = [r / p for r, p in zip(replayed, plain)]
    seq = med(seq_ratios)
    print(
        f"6. durable runs, SQLite journal, {n_calls} calls, {rounds} interleaved rounds (ratio medians, spread min-max):\n"
        f"   sequential: {med(journaled) * 1e6:.1f} µs per call journaled (run log) vs {med(plain) * 1e6:.1f} µs without, "
        f"ratio {seq:.2f} ({_spread(seq_ratios)}) target <= 1.5: {'PASS' if seq <= 1.5 else 'MISS'}\n"
        f"     the same with one SQLite commit per record() (the path before the run log): {med(commits) * 1e6:.1f} µs, "
        f"ratio {med(commit_ratios):.2f} ({_spread(commit_ratios)})\n"
        f"     the same with the store's writes discarded (journal and seam only, the floor): {med(floor) * 1e6:.1f} µs, "
        f"ratio {med(floor_ratios):.2f} ({_spread(floor_ratios)})\n"
        f"   map_task fan-out: {med(journaled_map) * 1e6:.1f} µs vs {med(plain_map) * 1e6:.1f} µs, "
        f"ratio {med(map_ratios):.2f} ({_spread(map_ratios)})\n"
        f"   replayed call: {med(replayed) * 1e6:.1f} µs, ratio to a live journaled call {med(replay_ratios):.2f} "
        f"({_spread(replay_ratios)}) target <= 0.5: {'PASS' if med(replay_ratios) <= 0.5 else 'MISS'}; "
        f"to a live call without a journal {med(replay_plain):.2f} ({_spread(replay_plain)})"
    )


def shutil_rmtree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _median_one_call_run(source: str, reps: int) -> float:
    """Median seconds of `reps` one-call `orchestrate_local_sync` runs of `source`."""
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        sandbox.orchestrate_local_sync(source, tasks=[add])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tracing_cost() -> None:
    from runtime import interceptors

    source, reps = "add(1, 2)", 300 if QUICK else 1500
    traced = "opentelemetry.trace" in sys.modules

    def median_run() -> float:
        return _median_one_call_run(source, reps)

    check = interceptors.tracing_interceptor
    sandbox.orchestrate_local_sync(source, tasks=[add])
    rounds = []
    for _ in range(3):
        with_check = median_run()
        interceptors.tracing_interceptor = lambda run_id, durable: None  # type: ignore[assignment]
        try:
            without = median_run()
        finally:
            interceptors.tracing_interceptor = check
        rounds.append(with_check / without)
    line = (
        f"7. tracing, OpenTelemetry {'imported' if traced else 'not imported'}: one-call run with the check vs without, "
        f"ratio {statistics.median(rounds):.3f} ({_spread(rounds)}) (target: no cost)"
    )
    try:
        from opentelemetry.sdk.trace import TracerProvider

        from runtime import tracing

        tracing.set_tracer_provider(TracerProvider())  # spans made and dropped: the cost of building them
        try:
            spans_on = median_run()
        finally:
            tracing.set_tracer_provider(None)
        line += f"; with spans on (an SDK provider) {spans_on * 1e6:.0f} µs vs {without * 1e6:.0f} µs"
    except ImportError:
        pass
    print(line)


@env.task
def nap20(i: int) -> int:
    time.sleep(0.02)
    return i


def _sleep20(i: int) -> int:
    time.sleep(0.02)
    return i


_COLD_OURS = """
import sys
from runtime import TaskEnvironment, sandbox
env = TaskEnvironment(name="cold")
@env.task
def add(x: int, y: int) -> int:
    return x + y
source = "add(x, y) * 2" + sys.argv[1]
assert sandbox.orchestrate_local_sync(source, inputs={"x": 1, "y": 2}, tasks=[add]) == 6
"""
_COLD_RAW = """
import sys
from pydantic_monty import FunctionSnapshot, Monty, MontyComplete
def add(x, y):
    return x + y
source = "add(x, y) * 2" + sys.argv[1]
monty = Monty(min_processes=1, max_processes=1)
monty.__enter__()
with monty.checkout() as session:
    snap = session.feed_start(source, inputs={"x": 1, "y": 2}, external_lookup={"add": add})
    while not isinstance(snap, MontyComplete):
        snap = snap.resume({"return_value": add(*snap.args)})
    assert snap.output == 6
monty.__exit__(None, None, None)
"""


def cold_start() -> None:
    import tempfile

    runs = 5 if QUICK else 11
    cache = tempfile.mkdtemp(prefix="bench-verdicts-")
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["SANDBOX_LINT_CACHE_DIR"] = cache

    def wall(script: str, suffix: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", script, suffix], env=environment, check=True, cwd=cache)
        return time.perf_counter() - started

    try:
        wall(_COLD_OURS, "")  # bytecode written, the program's pass remembered
        wall(_COLD_RAW, "")
        raw, checked, new = [], [], []
        for i in range(runs):
            raw.append(wall(_COLD_RAW, ""))
            checked.append(wall(_COLD_OURS, ""))
            new.append(wall(_COLD_OURS, f" + 0 * {i + 1}"))  # a program this machine never checked
    finally:
        shutil_rmtree(cache)
    base = statistics.median(raw)
    print(
        f"9. cold process, import + one run: raw Monty {base * 1000:.0f} ms; runtime, program already checked "
        f"{statistics.median(checked) * 1000:.0f} ms ({_spread([c / r for c, r in zip(checked, raw)])}x); "
        f"a program never checked {statistics.median(new) * 1000:.0f} ms "
        f"({_spread([n / r for n, r in zip(new, raw)])}x) (target <= 2.5x)"
    )


def dask_fan_out() -> None:
    try:
        from distributed import Client, LocalCluster, wait
    except ImportError:
        print("8. Dask: skipped (distributed is not installed)")
        return
    import runtime.executors as executors_module
    import runtime.scheduler as scheduler_module

    n, threads, repeats = 200, 16, 2 if QUICK else 4
    ideal = n * 0.02 / threads
    cluster = LocalCluster(n_workers=2, threads_per_worker=8, host="127.0.0.1", dashboard_address=None, processes=True)
    client = Client(cluster)
    try:
        def median_wall(run: Any) -> float:
            run()  # warm: the workers import and unpickle once
            walls = []
            for _ in range(repeats):
                started = time.perf_counter()
                run()
                walls.append(time.perf_counter() - started)
            return statistics.median(walls)

        floor = median_wall(lambda: wait(client.map(_sleep20, range(n), pure=False)))
        programs = {
            "map_task": f"map_task(nap20, list(range({n})), concurrency={n})",
            "gather": f"await gather(*[nap20(i) for i in range({n})])",
        }
        parts = [f"bare client.map {floor:.3f} s ({floor / ideal:.2f}x ideal)"]
        for label, source in programs.items():
            def run(source: str = source) -> None:
                sandbox.orchestrate_local_sync(
                    source, tasks=[nap20], executor=client, concurrency=n, max_task_calls=10 * n
                )

            batched = median_wall(run)
            real = executors_module.is_remote
            executors_module.is_remote = scheduler_module.is_remote = lambda executor: False  # type: ignore[assignment]
            try:
                one_by_one = median_wall(run)
            finally:
                executors_module.is_remote = scheduler_module.is_remote = real  # type: ignore[assignment]
            parts.append(
                f"{label} {batched:.3f} s: {batched / ideal:.2f}x ideal, {batched / floor:.2f}x client.map "
                f"(one submit per call: {one_by_one / ideal:.2f}x ideal)"
            )
        print(f"8. Dask, {n} x 20 ms on 16 threads (ideal {ideal * 1000:.0f} ms): " + "; ".join(parts) + " (target <= 1.5x ideal)")
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    if "--dask" in sys.argv:
        dask_fan_out()
        sys.exit(0)
    if "--cold" in sys.argv:
        cold_start()
        sys.exit(0)
    if "--durable" in sys.argv:  # only the durable-run figures (6, 7)
        durable_runs()
        tracing_cost()
        sys.exit(0)
    per_call_overhead()
    ours = one_call()
    fan_out()
    flyte_side_by_side(ours)
    otel_probe()
    durable_runs()
    tracing_cost()
    dask_fan_out()
    cold_start()
