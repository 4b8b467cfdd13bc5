"""Run store and codec benchmarks: per-write latency and encode/decode cost.

    python bench/store.py [--quick] [--postgres URL]

1. per-write latency of the journal: a call's start and end written apart,
   and the end of one call with the start of the next as one `record(...)`;
   SQLite with synchronous=NORMAL and FULL (WAL), each through the run log
   (one `os.write` per record, folded into the tables at 1,000 events and at
   `finish_run`: the means include the folds) and through one transaction per
   record (the path before the run log); PostgreSQL on loopback (a throwaway
   server from tests/durability/pg_server.py unless --postgres is given).
   Ratios: run log / commits, FULL / NORMAL, batched / apart.
2. codec: encode and decode of typical values, as a ratio to plain
   `json.dumps` / `json.loads` of the same data where JSON can hold it.

Benchmarks print; they never assert.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "tests", "durability"))

from runtime import codec  # noqa: E402
from runtime.store import CallEnd, CallStart, RunHeader, RunStore, SQLiteRunStore  # noqa: E402

QUICK = "--quick" in sys.argv
CALLS = 150 if QUICK else 600
ARGS = codec.encode_arguments((41, "order-17", [1.5, 2.5]), {"retry": False}, max_bytes=1 << 20)
VALUE = codec.encode({"id": 17, "total": 42.5, "items": ["a", "b", "c"]}, max_bytes=1 << 20)


def _header(run_id: str) -> RunHeader:
    return RunHeader(run_id, "bench", "code", codec.encode({}, max_bytes=100), "0", "0", "0" * 32, time.time())


Record = Callable[..., None]


def journal_latency(store: RunStore, run_id: str, record: Record) -> tuple[float, float, float, float]:
    """µs per call, (median, mean) for a start and an end written apart, then
    for one `record(end, next start)` per call. The means run from the first
    write to the end of `finish_run`, so a run log's folds are in them."""
    store.open_run(_header(run_id + "-a"))
    separate = []
    t_all = time.perf_counter()
    for seq in range(1, CALLS + 1):
        t0 = time.perf_counter()
        record(store, run_id + "-a", CallStart(seq, f"{seq}:t:k", "t", ARGS, 1, time.time()))
        record(store, run_id + "-a", CallEnd(seq, 1, True, VALUE, None, None, time.time()))
        separate.append(time.perf_counter() - t0)
    store.finish_run(run_id + "-a", ok=True, result=VALUE, error=None, finished_at=time.time())
    separate_mean = (time.perf_counter() - t_all) / CALLS
    store.open_run(_header(run_id + "-b"))
    batched = []
    record(store, run_id + "-b", CallStart(1, "1:t:k", "t", ARGS, 1, time.time()))
    t_all = time.perf_counter()
    for seq in range(1, CALLS + 1):
        t0 = time.perf_counter()
        record(
            store, run_id + "-b",
            CallEnd(seq, 1, True, VALUE, None, None, time.time()),
            CallStart(seq + 1, f"{seq + 1}:t:k", "t", ARGS, 1, time.time()),
        )
        batched.append(time.perf_counter() - t0)
    store.finish_run(run_id + "-b", ok=True, result=VALUE, error=None, finished_at=time.time())
    batched_mean = (time.perf_counter() - t_all) / CALLS
    return (statistics.median(separate) * 1e6, separate_mean * 1e6, statistics.median(batched) * 1e6, batched_mean * 1e6)


def _median_of(rounds: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return tuple(statistics.median(r[i] for r in rounds) for i in range(4))  # type: ignore[return-value]


def _line(label: str, r: tuple[float, float, float, float]) -> str:
    return (f"   {label:44} apart {r[0]:7.1f} µs (mean {r[1]:7.1f})   batched {r[2]:7.1f} µs "
            f"(mean {r[3]:7.1f})   batched/apart {r[2] / r[0]:.2f}")


# SQLite's `record` appends to the run log; the base class's is one transaction per call (the path before it).
PATHS: dict[str, Record] = {"run log": SQLiteRunStore.record, "commit": RunStore.record}


def bench_stores() -> None:
    rounds = 2 if QUICK else 3
    print(f"1. journal writes per task call (its start and its end), {CALLS} calls, median of {rounds} interleaved rounds")
    folder = tempfile.mkdtemp(prefix="sbx-bench-", dir=os.environ.get("BENCH_DIR"))
    samples: dict[tuple[str, str], list[tuple[float, float, float, float]]] = {}
    try:
        for index in range(rounds):
            for mode in ("normal", "full"):
                for path, record in PATHS.items():
                    with RunStore(f"sqlite://{folder}/{mode}-{path[:3]}{index}.sqlite?synchronous={mode}") as store:
                        samples.setdefault((mode, path), []).append(journal_latency(store, mode, record))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    results = {key: _median_of(values) for key, values in samples.items()}
    for (mode, path), r in results.items():
        what = "run log (one os.write)" if path == "run log" else "one commit per write"
        print(_line(f"SQLite {mode.upper()}, {what}", r))
    for mode in ("normal", "full"):
        log, commit = results[(mode, "run log")], results[(mode, "commit")]
        print(f"   SQLite {mode.upper()}: run log / commits, batched: median {log[2] / commit[2]:.2f}x, "
              f"mean with the folds {log[3] / commit[3]:.2f}x")
    normal = results[("normal", "commit")]
    print(f"   SQLite FULL / NORMAL, commits: apart {results[('full', 'commit')][0] / normal[0]:.1f}x, "
          f"batched {results[('full', 'commit')][2] / normal[2]:.1f}x; run log, batched "
          f"{results[('full', 'run log')][2] / results[('normal', 'run log')][2]:.1f}x")

    url = None
    if "--postgres" in sys.argv:
        url = sys.argv[sys.argv.index("--postgres") + 1]
    server = None
    if url is None:
        try:
            import pg_server

            reason = pg_server.why_unavailable()
            if reason is None:
                server = pg_server.LocalPostgres.start()
                url = server.url
            else:
                print(f"   PostgreSQL: skipped ({reason})")
        except Exception as exc:  # a benchmark reports, it does not fail
            print(f"   PostgreSQL: skipped ({type(exc).__name__}: {exc})")
    if url is not None:
        try:
            with RunStore(url) as store:
                pg = _median_of([
                    journal_latency(store, f"pg{i}-{os.getpid()}-{time.time_ns()}", RunStore.record) for i in range(rounds)
                ])
            print(_line("PostgreSQL 15 loopback, fsync on (commits)", pg))
            print(f"   PostgreSQL / SQLite NORMAL commits: {pg[0] / normal[0]:.1f}x")
        finally:
            if server is not None:
                server.stop()


def _time(fn: Callable[[], Any], repeat: int) -> float:
    best = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(repeat):
            fn()
        best.append((time.perf_counter() - t0) / repeat)
    return min(best) * 1e6


def bench_codec() -> None:
    print("2. codec, best of 5, µs per value (ratio to json with the same data)")
    cases: list[tuple[str, Any, Any, int]] = [
        ("task args (41, 'order-17', [1.5, 2.5])", ((41, "order-17", [1.5, 2.5]), {}), [[41, "order-17", [1.5, 2.5]], {}], 20000),
        ("a record of 20 fields", {f"f{i}": i * 1.5 for i in range(20)}, {f"f{i}": i * 1.5 for i in range(20)}, 5000),
        ("1000 ints", list(range(1000)), list(range(1000)), 500),
        ("100 small dicts", [{"id": i, "name": f"n{i}", "ok": True} for i in range(100)],
         [{"id": i, "name": f"n{i}", "ok": True} for i in range(100)], 500),
        ("100 kB of bytes", b"\x01" * 100_000, None, 200),
        ("tuple-keyed dict, 100 entries", {(i, "k"): i for i in range(100)}, None, 500),
    ]
    if QUICK:
        cases = [(name, v, j, max(repeat // 5, 10)) for name, v, j, repeat in cases]
    for name, value, plain, repeat in cases:
        text = codec.encode(value, max_bytes=1 << 24)
        enc = _time(lambda: codec.encode(value, max_bytes=1 << 24), repeat)
        dec = _time(lambda: codec.decode(text), repeat)
        line = f"   {name:40} encode {enc:8.1f}  decode {dec:8.1f}  ({len(text)} bytes)"
        if plain is not None:
            plain_text = json.dumps(plain)
            base_enc = _time(lambda: json.dumps(plain), repeat)
            base_dec = _time(lambda: json.loads(plain_text), repeat)
            line += f"  vs json: encode {enc / base_enc:.1f}x, decode {dec / base_dec:.1f}x"
        print(line)
    dig = _time(lambda: codec.digest(((41, "order-17", [1.5, 2.5]), {})), 20000 // (5 if QUICK else 1))
    print(f"   digest of task args                      {dig:8.1f}")


if __name__ == "__main__":
    bench_stores()
    bench_codec()
