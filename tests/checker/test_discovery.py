"""Host-mode discovery finds the sandbox code a user writes, however it is spelled.

Each case is a host file whose sandbox code holds one finding; discovery must
find it (the finding is reported at its host line), and for the variants the
runtime would reject when the file runs, the runtime is run too, to confirm
the checker and the runtime agree on what is sandbox code.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sandbox_lint import check_host
from sandbox_lint.checker import check_host_report

TASKS = textwrap.dedent(
    """\
    import runtime
    env = runtime.TaskEnvironment("shop")

    @env.task
    def add(x: int, y: int) -> int:
        return x + y
    """
)


def findings(source: str) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in check_host(source)]


def line_of(source: str, text: str) -> int:
    return next(number for number, line in enumerate(source.split("\n"), 1) if text in line)


CASES = {
    "module constant": TASKS + 'CODE = """\ntotal = 0\ntotal += add(1, 2)\ntotal\n"""\nt = runtime.sandbox.orchestrator_from_str(CODE, tasks=[add])\n',
    "concatenated constant": TASKS + 'HEAD = "total = 0\\n"\nCODE = HEAD + "total += add(1, 2)\\n" + "total"\nt = runtime.sandbox.orchestrator_from_str(CODE, tasks=[add])\n',
    "function-local constant": TASKS + 'def build():\n    code = "total = 0\\ntotal += add(1, 2)\\ntotal"\n    return runtime.sandbox.orchestrator_from_str(code, tasks=[add])\n',
    "from-import alias": TASKS + 'from runtime.sandbox import orchestrator_from_str as ofs\nt = ofs("total = 0\\ntotal += add(1, 2)\\ntotal", tasks=[add])\n',
    "module alias": TASKS + 'import runtime.sandbox as sb\nt = sb.orchestrate_local_sync("total = 0\\ntotal += add(1, 2)\\ntotal", tasks=[add])\n',
    "package alias": TASKS + 'from runtime import sandbox as box\nt = box.orchestrator_from_str("total = 0\\ntotal += add(1, 2)\\ntotal", tasks=[add])\n',
    "function-local alias": TASKS + 'def go():\n    run = runtime.sandbox.orchestrate_local_sync\n    return run("total = 0\\ntotal += add(1, 2)\\ntotal", tasks=[add])\n',
    "decorator alias": TASKS + 'orch = env.sandbox.orchestrator\n@orch\ndef main(n: int) -> int:\n    total = 0\n    total += add(n, 2)\n    return total\n',
    "called decorator alias": TASKS + 'orch = env.sandbox.orchestrator\n@orch(timeout_ms=500)\ndef main(n: int) -> int:\n    total = 0\n    total += add(n, 2)\n    return total\n',
    "decorator applied by hand": TASKS + 'def main(n: int) -> int:\n    total = 0\n    total += add(n, 2)\n    return total\npipeline = env.sandbox.orchestrator(main)\n',
    "Flyte code-string form": TASKS + 'pipeline = env.sandbox.orchestrator("total = 0\\ntotal += add(n, 2)\\ntotal", inputs={"n": int}, output=int, tasks=[add])\n',
    "flyte spelled with import flyte": 'import flyte\nenv = flyte.TaskEnvironment("shop")\n@env.task\ndef add(x: int, y: int) -> int:\n    return x + y\nt = flyte.sandbox.orchestrator_from_str("total = 0\\ntotal += add(1, 2)\\ntotal", tasks=[add])\n',
    "tasks and inputs as constants": TASKS + 'TASKS = [add]\nINPUTS = {"n": int}\nt = runtime.sandbox.orchestrator_from_str("total = 0\\ntotal += add(n, 2)\\ntotal", inputs=INPUTS, tasks=TASKS)\n',
    "method orchestrator": TASKS + 'class Flows:\n    @env.sandbox.orchestrator\n    def main(self, n: int) -> int:\n        total = 0\n        total += add(n, 2)\n        return total\n',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_discovery_finds_the_code(name: str) -> None:
    source = CASES[name]
    found = findings(source)
    assert (line_of(source, "total += add"), "SBX103") in found, found
    assert check_host_report(source).coverage.units == 1


DYNAMIC = {
    "an f-string": (TASKS + 'n = 2\nt = runtime.sandbox.orchestrator_from_str(f"add(1, {n})", tasks=[add])\n', "an f-string"),
    "a parameter": (TASKS + "def run(code: str) -> int:\n    return runtime.sandbox.orchestrate_local_sync(code, tasks=[add])\n", "the variable `code`"),
    "a call result": (TASKS + 't = runtime.sandbox.orchestrator_from_str(open("job.py").read(), tasks=[add])\n', "a call result"),
    "a reassigned constant": (TASKS + 'CODE = "add(1, 2)"\nCODE = CODE + "\\n"\nt = runtime.sandbox.orchestrator_from_str(CODE, tasks=[add])\n', "the variable `CODE`"),
    "bytes": (TASKS + 't = runtime.sandbox.orchestrate_local_sync(b"add(1, 2)", tasks=[add])\n', "bytes"),
}


@pytest.mark.parametrize("name", sorted(DYNAMIC))
def test_code_that_cannot_be_known_is_reported_not_skipped(name: str) -> None:
    source, reason = DYNAMIC[name]
    report = check_host_report(source)
    [finding] = [d for d in report.diagnostics if d.code == "SBX601"]
    assert reason in finding.message and "runtime gate" in finding.message
    assert report.coverage.dynamic == 1


def test_positions_inside_a_constant_point_into_its_literal() -> None:
    source = TASKS + 'CODE = """\ntotal = 0\ntotal += add(1, 2)\ntotal\n"""\n\n\nt = runtime.sandbox.orchestrator_from_str(CODE, tasks=[add])\n'
    [finding] = check_host(source)
    assert (finding.line, finding.column) == (line_of(source, "total += add"), 1)
    assert finding.fix is not None  # exact position, plain literal: the fix maps too


def test_positions_in_a_concatenation_land_in_the_right_piece() -> None:
    source = TASKS + 'A = "total = 0\\n"\nB = "total += add(1, 2)\\n"\nt = runtime.sandbox.orchestrator_from_str(A + B + "total", tasks=[add])\n'
    [finding] = check_host(source)
    # The piece has an escape (`\n`): the finding points at the piece's first character.
    assert (finding.line, finding.column) == (line_of(source, "B = "), 6)


@pytest.mark.parametrize("name", ["module constant", "from-import alias", "function-local alias", "decorator alias", "Flyte code-string form"])
def test_the_runtime_rejects_what_discovery_reports(name: str, tmp_path: Path) -> None:
    """Run the host file: the runtime's gate refuses the same code the checker found."""
    source = CASES[name]
    runner = textwrap.dedent(
        """
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("host", sys.argv[1])
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            for value in vars(module).values():
                run = getattr(value, "check", None)  # decorated orchestrators gate on check()
                if callable(run) and type(value).__name__ == "Orchestrator":
                    run()
            go = getattr(module, "go", None)
            if callable(go):
                go()
        except Exception as error:
            print(type(error).__name__, getattr(error, "codes", ""))
        """
    )
    path = tmp_path / "host.py"
    path.write_text(source)
    done = subprocess.run([sys.executable, "-c", runner, str(path)], capture_output=True, text=True, timeout=120)
    assert "RejectedError" in done.stdout and "SBX103" in done.stdout, done.stdout + done.stderr


def test_a_file_without_sandbox_code_says_so_and_hints_at_scripts() -> None:
    script = 'import os\nos.system("x")\nx += 1\n'
    report = check_host_report(script)
    assert report.diagnostics == () and report.coverage.units == 0 and report.coverage.script_like
    library = "import os\n\n\ndef helper() -> int:\n    return 1\n"
    assert not check_host_report(library).coverage.script_like
