"""`sandbox-lint run` / `sandbox-lint stubs` implementations (wired into the CLI by sandbox_lint/cli.py)."""

from __future__ import annotations

import io
import json
import os

import pytest

from runtime.commands.run import run_command
from runtime.commands.stubs import stubs_command
from sandbox_lint.interface import parse_stub

HERE = os.path.dirname(__file__)
ENV = "sample_tasks:env"


def _run(*args, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    code = run_command(*args, stdout=out, stderr=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_run_prints_json_result_and_a_trace(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("print('go')\nt = add(x, 2)\nmap_task(square, [t, x])\n")
    code, out, err = _run(str(script), ENV, ["x=3"])
    assert code == 0
    assert json.loads(out) == [25, 9]
    assert "go" in err
    assert f"[1] {script}:2 add(3, 2) ok" in err
    assert f"[2] {script}:3 square(5) ok" in err and "key=2:square:" in err


def test_run_json_inputs_and_string_fallback(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("[len(xs), name]")
    code, out, _ = _run(str(script), None, ["xs=[1, 2, 3]", "name=alice"])
    assert code == 0 and json.loads(out) == [3, "alice"]


def test_run_rejected_program_exits_1_with_llm_diagnostics(tmp_path):
    pytest.importorskip("sandbox_lint.checker")
    script = tmp_path / "bad.py"
    script.write_text("import os\nx = 1\n")
    code, out, err = _run(str(script), ENV, [])
    assert code == 1 and out == ""
    assert "SBX101" in err


def test_run_failure_exits_1(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("print('partial')\nfail(2)\n")
    code, out, err = _run(str(script), ENV, [])
    assert code == 1 and out == ""
    assert "partial" in err and "TaskError" in err and "bad value 2" in err and f"{script}:2" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (("missing.py", None, []), "no such file"),
        (("{script}", "no_colon", []), "expected MODULE:ENV"),
        (("{script}", "no_such_module_xyz:env", []), "cannot import"),
        (("{script}", "sample_tasks:tracker", []), "is not a TaskEnvironment"),
        (("{script}", None, ["=3"]), "NAME=VALUE"),
    ],
)
def test_run_usage_errors_exit_2(tmp_path, args, message):
    script = tmp_path / "job.py"
    script.write_text("1\n")
    args = tuple(a.format(script=script) if isinstance(a, str) else a for a in args)
    code, out, err = _run(*args)
    assert code == 2 and out == "" and message in err


def test_stubs_prints_the_interface_stub():
    out, err = io.StringIO(), io.StringIO()
    assert stubs_command(ENV, stdout=out, stderr=err) == 0
    text = out.getvalue()
    assert "def add(x: int, y: int) -> int: ..." in text
    assert "async def await_wait(x: int, seconds: float) -> int: ..." in text
    assert "def describe(items: list[int], label: str | None = ...) -> dict[str, int]: ..." in text
    interface = parse_stub(text)  # the same format the checker reads
    assert "read_file" in interface.task_names


def test_stubs_from_a_file_path():
    out, err = io.StringIO(), io.StringIO()
    assert stubs_command(os.path.join(HERE, "sample_tasks.py") + ":env", stdout=out, stderr=err) == 0
    assert "def fib(n: int) -> int: ..." in out.getvalue()
    assert stubs_command("nope:env", stdout=out, stderr=err) == 2


def test_the_cli_binary_runs_and_prints_stubs(tmp_path):
    import shutil
    import subprocess
    import sys

    binary = shutil.which("sandbox-lint", path=os.path.dirname(sys.executable)) or shutil.which("sandbox-lint")
    if binary is None:
        pytest.skip("sandbox-lint is not installed in this environment")
    script = tmp_path / "job.py"
    script.write_text("t = add(x, y)\nsquare(t)\n")
    env = {**os.environ, "PYTHONPATH": HERE}
    done = subprocess.run(
        [binary, "run", str(script), "--tasks", ENV, "--input", "x=2", "-i", "y=1"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == 9
    assert "add(2, 1) ok" in done.stderr
    done = subprocess.run([binary, "stubs", ENV], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0 and "def square(x: int) -> int: ..." in done.stdout
    done = subprocess.run([binary, "stubs", "nope"], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 2


# ---------------------------------------------------------------- notes for a person (issue 11 §5)

from runtime.commands.run import script_notes  # noqa: E402


@pytest.mark.parametrize(
    "source, inputs, tasks, notes",
    [
        # tasks: only without --tasks, only names the script does not define or get as inputs
        ("add(1, 2)\n", {}, None, ["no --tasks given, and the script calls `add`, which it does not define: it looks like a task"]),
        ("def add(x, y):\n    return x + y\nadd(1, 2)\n", {}, None, []),
        ("len(sorted(xs))\n", {"xs": [1]}, None, []),  # builtins are not tasks
        ("open('f')\n", {}, None, []),  # a forbidden builtin is the gate's business, not a task
        ('flyte_map("square", [1])\n', {}, None, ["no --tasks given, and the script calls `square`"]),
        ("add(1, 2)\n", {}, ENV, []),
        # inputs never read: said, the run still happens
        ("x + 1\n", {"x": 1, "y": 2}, None, ["the script never reads the input `y` given with --input; running it anyway"]),
        ("def f(n):\n    return n * k\nf(2)\n", {"k": 3}, None, []),  # read inside a function counts
        # names read that nothing gives
        ("total + 1\n", {"totl": 1}, None, [
            "the script never reads the input `totl` given with --input (did you mean `total`? the script reads that name)",
            "the script reads `total`, which it does not define and no --input gives: pass --input total=VALUE",
        ]),
        ("x = (\n", {"y": 1}, None, []),  # does not parse: the gate says why, no guesses
    ],
)
def test_script_notes(source, inputs, tasks, notes):
    found = script_notes(source, inputs, tasks, ["add"] if tasks else [])
    assert len(found) == len(notes)
    for note, start in zip(found, notes):
        assert note.startswith(start)


def test_run_command_takes_limits(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("add(1, 2)\nadd(3, 4)\n")
    code, out, err = _run(str(script), ENV, [], limits={"max_task_calls": 1})
    assert code == 1 and "task call limit reached" in err
    code, out, err = _run(str(script), ENV, [], limits={"max_task_calls": 0})
    assert code == 2 and "--max-task-calls: limit `max_task_calls` must be a positive number, got 0" in err
    assert _run(str(script), ENV, [], limits={"max_task_calls": 2})[:2] == (0, "7\n")


def test_stubs_of_an_environment_without_orchestrators_is_its_tasks():
    out, err = io.StringIO(), io.StringIO()
    assert stubs_command(ENV, stdout=out, stderr=err) == 0
    assert out.getvalue().startswith("# Tasks of TaskEnvironment 'tests'")
    assert "orchestrator" not in out.getvalue()
    assert stubs_command(ENV, orchestrator="nope", stdout=out, stderr=err) == 2
    assert "TaskEnvironment 'tests' has no orchestrator or template `nope`; its orchestrators and templates: none" in err.getvalue()
