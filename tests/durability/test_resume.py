"""Crash and resume: a real process journals a run, is SIGKILLed, and a new process resumes it.

Each test runs `crash_worker.py` twice against the same store and run id:
first with the call `step(11)` blocking until the test kills the process
(after the 10th call finished and the 11th started), then again to resume.
Every execution of a task appends a line to a log file, so the test counts
how many times each call really ran. Against SQLite and a real PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from runtime import RunStore
from runtime.store import runlog

WORKER = str(Path(__file__).with_name("crash_worker.py"))
EXPECTED = {"total": sum(i * i for i in range(1, 21)), "squares": [i * i for i in range(1, 21)]}


def _run_log(store_url: str, run_id: str) -> Path | None:
    return None if store_url.startswith("postgresql") else Path(f"{store_url}-runlog") / runlog.log_name(run_id)


def _rows(store_url: str, run_id: str) -> int:
    with sqlite3.connect(store_url) as conn:
        return int(conn.execute("SELECT count(*) FROM sbx_calls WHERE run_id = ?", (run_id,)).fetchone()[0])


def _executions(log: Path) -> Counter[int]:
    if not log.exists():
        return Counter()
    return Counter(int(line) for line in log.read_text().split())


def _start(mode: str, store_url: str, run_id: str, log: Path, block_at: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, WORKER, mode, store_url, run_id, str(log), str(block_at)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for(predicate, process: subprocess.Popen[str], what: str, limit_s: float = 120.0) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        if process.poll() is not None:
            raise AssertionError(f"the worker exited before {what}: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _resume(mode: str, store_url: str, run_id: str, log: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, WORKER, mode, store_url, run_id, str(log), "0"], capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("mode", ["sequential", "gather"])
def test_a_killed_run_resumes_where_it_stopped(mode: str, store_url: str, tmp_path: Path) -> None:
    log = tmp_path / "executions.log"
    run_id = f"crash-{mode}"
    first = _start(mode, store_url, run_id, log, block_at=11)
    _wait_for(lambda: 11 in _executions(log), first, "call 11 started")
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL
    before = _executions(log)
    assert all(before[i] == 1 for i in range(1, 11)), before

    with RunStore(store_url) as store:
        run = store.get_run(run_id)
        assert run is not None and run.status == "running" and not store.is_live(run_id)
        finished = {c.seq for c in store.calls(run_id) if c.state == "ok"}
        assert set(range(1, 11)) <= finished  # the first ten ended before the kill
    journal_log = _run_log(store_url, run_id)
    if journal_log is not None:  # SQLite: they are in the killed process's run log, not yet in the table
        assert len(runlog.decode_log(journal_log.read_bytes(), run_id, str(journal_log)).events) >= 21
        assert _rows(store_url, run_id) == 0

    assert _resume(mode, store_url, run_id, log) == EXPECTED

    executions = _executions(log)
    assert all(executions[i] == 1 for i in range(1, 11)), executions  # answered from the journal
    assert executions[11] == 2  # interrupted: ran again
    assert all(1 <= executions[i] <= 2 for i in range(12, 21)), executions
    if mode == "sequential":
        assert all(executions[i] == 1 for i in range(12, 21)), executions  # never started before the kill

    with RunStore(store_url) as store:
        run = store.get_run(run_id)
        assert run is not None and run.status == "ok" and run.resumes == 1
        calls = store.calls(run_id)
        eleven = [c for c in calls if c.seq == 11]
        assert [(c.attempt, c.state, c.interrupted) for c in eleven] == [(1, "interrupted", True), (2, "ok", False)]
        latest = {c.seq: c for c in calls}
        assert sorted(latest) == list(range(1, 21)) and all(c.state == "ok" for c in latest.values())
    if journal_log is not None:  # the resuming process folded the log, and the run's own at its end
        assert not journal_log.exists() and _rows(store_url, run_id) == len(calls)

    # The resumed run is complete: a third process gets the stored result and runs nothing.
    assert _resume(mode, store_url, run_id, log) == EXPECTED
    assert _executions(log) == executions


def test_an_uninterrupted_run_gives_the_same_result(store_url: str, tmp_path: Path) -> None:
    log = tmp_path / "executions.log"
    for mode in ("sequential", "gather"):
        assert _resume(mode, store_url, f"whole-{mode}", log) == EXPECTED
    assert _executions(log) == Counter({i: 2 for i in range(1, 21)})
