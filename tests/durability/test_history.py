"""`sandbox-lint runs` and the timeline, on journals written by real runs (not forged rows)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import runtime
from runtime import TaskError, sandbox
from runtime.commands.runs import main

sys.path.insert(0, str(Path(__file__).parent))

import history_tasks  # noqa: E402

HERE = Path(__file__).parent


def run_main(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), prog="sandbox-lint runs")
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def journaled(store_url: str, tmp_path: Path) -> str:
    """A run killed (SIGKILL) while its call 6 ran and resumed here, and a run that failed."""
    marker = tmp_path / "blocked"
    process = subprocess.Popen(
        [sys.executable, str(HERE / "history_tasks.py"), store_url], env={**os.environ, "HISTORY_MARKER": str(marker)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the first run never reached call 6"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    assert history_tasks.template().execute(run_id="order-42", store=store_url).value == [2, 4, 6, 3, 1, 2]
    with pytest.raises(TaskError):
        sandbox.orchestrate_local_sync(
            "a = history_tasks_fetch(1)\nexplode(a)".replace("history_tasks_fetch", "fetch"),
            tasks=[history_tasks.fetch, history_tasks.explode], run_id="bad", store=store_url,
        )
    return store_url


def test_runs_list_and_show_read_what_the_journal_wrote(journaled: str, capsys: Any) -> None:
    code, out, err = run_main(capsys, "list", "--store", journaled)
    assert code == 0 and err == ""
    rows = [line.split() for line in out.splitlines()[1:]]
    assert {(r[0], r[1]) for r in rows} == {("order-42", "ok"), ("bad", "error")}
    code, out, _ = run_main(capsys, "show", "order-42", "--store", journaled, "--output-format", "json")
    document = json.loads(out)
    assert document["status"] == "ok" and document["resumes"] == 1 and document["result"] == [1, [2, 4, 6, 3, 1, 2]]
    calls = [(c["seq"], c["attempt"], c["task"], c["state"], c["interrupted"], c["args"]) for c in document["calls"]]
    assert calls == [
        (1, 1, "fetch", "ok", False, [1, {"$t": [{"$t": [1]}, {}]}]),
        (2, 1, "fetch", "ok", False, [1, {"$t": [{"$t": [2]}, {}]}]),
        (3, 1, "slow", "ok", False, [1, {"$t": [{"$t": [3]}, {}]}]),
        (4, 1, "slow", "ok", False, [1, {"$t": [{"$t": [1]}, {}]}]),
        (5, 1, "slow", "ok", False, [1, {"$t": [{"$t": [2]}, {}]}]),
        (6, 1, "fetch", "interrupted", True, [1, {"$t": [{"$t": [3]}, {}]}]),
        (6, 2, "fetch", "ok", False, [1, {"$t": [{"$t": [3]}, {}]}]),
    ]
    assert document["trace_id"] == runtime.tracing.trace_id_for("order-42")
    code, out, _ = run_main(capsys, "show", "order-42", "--store", journaled)
    assert code == 0
    assert "resumed    1 time" in out
    table = [line.split() for line in out.splitlines() if line[:1].isdigit()]
    assert [(r[0], r[1], r[2], r[-1]) for r in table] == [
        ("1", "1", "fetch", "ok"), ("2", "1", "fetch", "ok"), ("3", "1", "slow", "ok"), ("4", "1", "slow", "ok"),
        ("5", "1", "slow", "ok"), ("6", "1", "fetch", "interrupted"), ("6", "2", "fetch", "ok"),
    ]
    code, out, _ = run_main(capsys, "show", "bad", "--store", journaled)
    assert "status     error" in out and "ValueError: row 2 is bad" in out
    failed = [line for line in out.splitlines() if line.startswith("2 ")]
    assert failed and "failed" in failed[0] and "ValueError: row 2 is bad" in failed[0]


def test_the_timeline_of_a_real_run_has_one_bar_per_attempt_in_order(journaled: str, tmp_path: Path, capsys: Any) -> None:
    picture = tmp_path / "order-42.svg"
    code, _, err = run_main(capsys, "show", "order-42", "--store", journaled, "--timeline", str(picture))
    assert code == 0 and "timeline written to" in err
    root = ET.parse(picture).getroot()
    bars = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "call"]
    order = [(int(g.get("data-seq") or 0), int(g.get("data-attempt") or 0), g.get("data-state")) for g in bars]
    assert order == [(1, 1, "ok"), (2, 1, "ok"), (3, 1, "ok"), (4, 1, "ok"), (5, 1, "ok"), (6, 1, "interrupted"), (6, 2, "ok")]
    lanes = {int(g.get("data-seq") or 0): int(g.get("data-lane") or 0) for g in bars if g.get("data-attempt") == "1"}
    assert len({lanes[3], lanes[4], lanes[5]}) == 3  # the gathered calls ran side by side
    starts = {(int(g.get("data-seq") or 0), int(g.get("data-attempt") or 0)): float(g.get("data-start") or 0) for g in bars}
    assert starts[(1, 1)] <= starts[(2, 1)] <= starts[(3, 1)] <= starts[(6, 1)] <= starts[(6, 2)]


def test_sandbox_lint_run_journals_and_resumes_as_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "tasks_mod.py").write_text(
        "import runtime\nenv = runtime.TaskEnvironment(name='cli')\n"
        "@env.task\ndef add(x: int, y: int) -> int:\n    print('ran', x, y)\n    return x + y\n"
    )
    (tmp_path / "prog.py").write_text("a = add(1, 2)\nadd(a, 3)\n")
    store = str(tmp_path / "runs.sqlite")
    command = [sys.executable, "-m", "sandbox_lint", "run", "prog.py", "--tasks", "tasks_mod:env", "--run-id", "cli-1", "--store", store]
    environment = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environment)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split("\n") == ["ran 1 2", "ran 3 3", "6", ""]  # the tasks print on the host
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environment)
    assert again.returncode == 0 and again.stdout == "6\n"  # the stored result: no task ran
    listing = subprocess.run([sys.executable, "-m", "sandbox_lint", "runs", "show", "cli-1", "--store", store, "--output-format", "json"],
                             capture_output=True, text=True, timeout=120)
    document = json.loads(listing.stdout)
    assert document["status"] == "ok" and [c["seq"] for c in document["calls"]] == [1, 2]
    assert "run cli-1 journaled in" in first.stderr
    missing = subprocess.run(command[:-2], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environment)
    assert missing.returncode == 2 and "--run-id needs a run store" in missing.stderr
    from_env = subprocess.run(command[:-2], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env={**environment, "SANDBOX_LINT_STORE": store})
    assert from_env.returncode == 0 and from_env.stdout == "6\n"  # the same run, from $SANDBOX_LINT_STORE
    fresh = subprocess.run(command[:-4] + ["--store", store], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120, env=environment)
    assert fresh.returncode == 0 and "ran 1 2" in fresh.stdout  # a store alone: a new run under a fresh id
    bad = subprocess.run(command[:-1] + ["mysql://x"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environment)
    assert bad.returncode == 2 and "unsupported store URL scheme" in bad.stderr and "Traceback" not in bad.stderr
