"""The seed examples in examples/runtime/ run as scripts and give Flyte's documented results."""

from __future__ import annotations

import asyncio
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runtime"


@pytest.mark.parametrize(
    "script, expected",
    [
        ("pipeline.py", "{'fib': 5, 'linear': 15, 'total': 20}\n"),
        ("compute_pipeline.py", "20\n"),
        ("orchestrate_local.py", "6\n"),
        ("reducers.py", "10\n24\n"),
        ("fan_out.py", "{'best': 1.5, 'mean': 0.75}\n32 task calls traced\n"),
    ],
)
def test_example_script_runs(script, expected):
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=120, cwd=EXAMPLES.parents[1]
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected


def test_examples_in_process():
    pipeline = runpy.run_path(str(EXAMPLES / "pipeline.py"))
    assert pipeline["pipeline"](7) == {"fib": 13, "linear": 19, "total": 32}
    compute = runpy.run_path(str(EXAMPLES / "compute_pipeline.py"))["compute_pipeline"]
    assert compute(x=2, y=3, scale=4) == 20
    reducers = runpy.run_path(str(EXAMPLES / "reducers.py"))
    assert reducers["make_reducer"]("sum")(values=[5, 6]) == 11
    assert reducers["product_task"](values=[2, 3, 4]) == 24
    local = runpy.run_path(str(EXAMPLES / "orchestrate_local.py"))
    assert asyncio.run(local["main"]()) == 6
