"""Run one program through the real runtime and report the host's peak memory (a subprocess helper).

    python boundary_probe.py SHAPE          # a program of SHAPES, by name
    python boundary_probe.py PATH SOURCE    # any program

PATH is how the value leaves: `result` (the run's value, then consumed the way
callers do: `repr`, `json.dumps`, the call records' keys, an event hook that
renders every event), `cli` (`sandbox-lint run` on a file, output to
/dev/null). Prints one JSON line: the peak RSS above the warmed-up baseline
(MiB, from `resource.getrusage`), the outcome and the error's limit. A
watchdog ends the process at 1.5 GiB above the baseline, so a regression fails
the test instead of swapping the machine.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

import security_tasks  # noqa: E402

from runtime import LimitExceeded, SandboxError, sandbox  # noqa: E402

CEILING_MB = 1536

_DAG = "a = [0, 0]\nfor i in range(40):\n    a = [a, a]\n"  # 2**41 leaves, 42 lists in the sandbox
_TEXT = "s = 'a' * 1000000\nb = [s] * 3000\n"  # 3,000 references to one 1 MB string
_DAG_EDGE = "a = [0, 0]\nfor i in range(17):\n    a = [a, a]\n"  # 524,287 items expanded: under the budget
_TEXT_EDGE = "s = 'a' * 1000000\nb = [s] * 16\n"  # 16 MB expanded: under the budget

SHAPES: dict[str, tuple[str, str, str]] = {
    # name: (path, program, the expected outcome: a limit name, "ok" or "exit N")
    "dag-result": ("result", _DAG + "a", "value_items"),
    "text-result": ("result", _TEXT + "b", "value_bytes"),
    "dag-in-dict": ("result", _DAG + "{'k': a, 'j': [a]}", "value_items"),
    "dag-in-tuple": ("result", _DAG + "(1, (a, 2))", "value_items"),
    "text-in-tuple": ("result", _TEXT + "(1, tuple(b))", "value_bytes"),
    "text-dict-keys": ("result", "s = 'k' * 1000000\n{(s, i): i for i in range(3000)}", "value_bytes"),
    "dag-task-arg": ("result", _DAG + "take_any(a)", "value_items"),
    "dag-task-kwarg": ("result", _DAG + "take_any(x={'k': a})", "value_items"),
    "text-task-arg": ("result", _TEXT + "take_any({'k': b})", "value_bytes"),
    "text-str-arg": ("result", "s = 'a' * 1000000\ntake_text(s)\ntake_text(s)\n1", "ok"),
    "dag-map-task": ("result", _DAG + "map_task(take_any, [a, a])", "value_items"),
    "text-map-task": ("result", _TEXT + "map_task(take_list, [b])", "value_bytes"),
    "text-map-elements": ("result", _TEXT + "map_task(take_text, b)", "value_bytes"),
    "dag-async-gather": ("result", _DAG + "async def go():\n    return await gather(take_any(a))\nawait go()", "value_items"),
    "text-print": ("result", _TEXT + "print(b)\n1", "memory"),
    "text-print-args": ("result", _TEXT + "print(*b)\n1", "output"),
    "dag-print": ("result", _DAG + "print(a)\n1", "memory"),
    "text-fstring": ("result", _TEXT + "t = f'{b}'\n1", "memory"),
    "text-join": ("result", _TEXT + "t = '-'.join(b)\n1", "memory"),
    "text-raise": ("result", _TEXT + "raise ValueError(str(b))", "memory"),
    "repeated-calls": ("result", _TEXT_EDGE + "for i in range(20):\n    take_any(b)\n1", "transfer_bytes"),
    "dag-cli": ("cli", _DAG + "a", "exit 1"),
    "text-cli": ("cli", _TEXT + "b", "exit 1"),
    "text-cli-arg": ("cli", _TEXT + "take_any(b)", "exit 1"),
    # just under the budget: the value passes, and every consumer expands it in full
    "edge-dag-result": ("result", _DAG_EDGE + "a", "ok"),
    "edge-dag-arg": ("result", _DAG_EDGE + "take_any(a)", "ok"),
    "edge-dag-cli": ("cli", _DAG_EDGE + "take_any(a)\na", "exit 0"),
    "edge-text-result": ("result", _TEXT_EDGE + "b", "ok"),
    "edge-text-arg": ("result", _TEXT_EDGE + "take_any(b)", "ok"),
    "edge-text-cli": ("cli", _TEXT_EDGE + "take_any(b)\nb", "exit 0"),
    "edge-distinct-ints": ("result", "list(range(400000))", "ok"),
}


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _watchdog(baseline: float) -> None:
    while True:
        if _rss_mb() - baseline > CEILING_MB:
            print(json.dumps({"peak_mb": _rss_mb() - baseline, "outcome": "blew-up", "limit": None}), flush=True)
            os._exit(3)
        time.sleep(0.02)


def _consume(result: object) -> None:
    value = getattr(result, "value")
    repr(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        pass
    for call in getattr(result, "calls"):
        call.call_key


def main() -> int:
    if len(sys.argv) == 2:
        path, source, _ = SHAPES[sys.argv[1]]
    else:
        path, source = sys.argv[1], sys.argv[2]
    tasks = [security_tasks.take_any, security_tasks.take_text, security_tasks.take_list]
    sandbox.orchestrate_local_sync("take_any(1)", tasks=tasks)  # warm the pool and the imports
    events: list[str] = []
    hook = lambda event: events.append(repr(event)[:200])  # noqa: E731 - events are built, as a tracer would
    baseline = _peak_mb()
    threading.Thread(target=_watchdog, args=(_rss_mb(),), daemon=True).start()
    started = time.perf_counter()
    outcome, limit = "ok", None
    try:
        if path == "result":
            _consume(sandbox.orchestrate_local_detailed(source, tasks=tasks, on_event=hook))
        elif path == "cli":
            from runtime.commands.run import run_command

            with tempfile.TemporaryDirectory() as folder, open(os.devnull, "w") as sink:
                script = Path(folder) / "probe.py"
                script.write_text(source)
                code = run_command(str(script), "security_tasks:env", stdout=sink, stderr=sink)
                outcome = f"exit {code}"
        else:
            raise SystemExit(f"unknown path {path}")
    except LimitExceeded as exc:
        outcome, limit = "LimitExceeded", exc.limit
    except SandboxError as exc:
        outcome = type(exc).__name__ + ": " + str(exc)[:200]
    print(json.dumps({
        "peak_mb": round(_peak_mb() - baseline, 1), "baseline_mb": round(baseline, 1), "outcome": outcome, "limit": limit,
        "seconds": round(time.perf_counter() - started, 2),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
