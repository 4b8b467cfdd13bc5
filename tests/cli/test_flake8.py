"""`flake8 --select SBX` (real flake8, our plugin) reports what `sandbox-lint check` reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import run, write

FLAKE8 = Path(sys.executable).parent / "flake8"

HOST = '''\
"""A host file: one decorated orchestrator and one code string."""
from runtime import TaskEnvironment, sandbox

env = TaskEnvironment(name="demo")
LIMIT = 10


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.sandbox.orchestrator
def flow(n: int) -> int:
    total = 0
    for i in range(n):
        total += add(i, LIMIT)
    return total


TEMPLATE = sandbox.orchestrator_from_str(
    """
    ys = {1, 2}
    nom = "où"; nom += "!"
    result = add(x, 1)
    """,
    inputs={"x": int},
    tasks=[add],
)
'''

FILES = {
    "pyproject.toml": (
        "[tool.sandbox-lint]\n"
        'scripts = ["flows/*.py"]\n'
        'interface = "flows/tasks.pyi"\n'
        "[tool.sandbox-lint.per-file-ignores]\n"
        '"flows/quiet.py" = ["SBX101"]\n'
    ),
    "flows/tasks.pyi": "def add(x: int, y: int) -> int: ...\nn: int\n",
    "flows/job.py": (
        "import os\n"
        "é = 'ß'; total = ad(n, 1)\n"
        "total += 1\n"
        "total += 2  # noqa: SBX103\n"
        "xs = {1}\n"
        "try:\n    pass\nexcept Exception:\n    pass\n"
    ),
    "flows/quiet.py": "import os\nx = 1\nx += 1\n",
    "host.py": HOST,
    "plain.py": "import os\nvalues = set()\nvalues.add(1)\n",
}


def _flake8(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLAKE8), "--select", "SBX", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _parse(output: str) -> set[tuple[str, int, int, str]]:
    found = set()
    for line in output.splitlines():
        path, row, col, rest = line.split(":", 3)
        found.add((os.path.normpath(path), int(row), int(col), rest.split()[0]))
    return found


def test_flake8_reports_the_same_findings_as_the_cli(project: Path) -> None:
    write(project, FILES)
    cli = run("--output-format", "json", ".", cwd=project)
    assert cli.code == 1, cli.err
    found = {(i["filename"], i["location"]["row"], i["location"]["column"], i["code"]) for i in json.loads(cli.out)}
    # flake8 applies `# noqa` itself, so the findings about noqa comments (SBX602,
    # SBX603) are sandbox-lint's own; everything else is the same.
    assert {code for *_, code in found if code.startswith("SBX60")} <= {"SBX602", "SBX603"}
    expected = {item for item in found if item[3] not in ("SBX602", "SBX603")}
    # The fixture exercises script mode, per-file ignores, noqa, host orchestrators and code strings.
    assert {code for *_, code in expected} >= {"SBX101", "SBX103", "SBX106", "SBX110", "SBX204", "SBX401"}
    assert {path for path, *_ in expected} == {"flows/job.py", "flows/quiet.py", "host.py"}
    assert ("flows/job.py", 4, 1, "SBX103") not in expected

    proc = _flake8(project, ".")
    assert proc.returncode == 1, proc.stderr
    assert _parse(proc.stdout) == expected
    # Explicit file names resolve the configuration the same way.
    explicit = _flake8(project, "flows/job.py", "host.py")
    assert _parse(explicit.stdout) == {item for item in expected if item[0] in ("flows/job.py", "host.py")}


def test_flake8_messages_are_the_cli_messages(project: Path) -> None:
    write(project, {"pyproject.toml": '[tool.sandbox-lint]\nscripts = ["*.py"]\n', "a.py": "x = 1\nx += 1\n"})
    proc = _flake8(project, "a.py")
    assert proc.stdout == "a.py:2:1: SBX103 augmented assignment is not allowed: write `x = x + 1`\n"
    cli = run("a.py", cwd=project)
    assert cli.lines[0] == proc.stdout.strip()


def test_flake8_disable_noqa_shows_suppressed_findings(project: Path) -> None:
    write(project, {"pyproject.toml": '[tool.sandbox-lint]\nscripts = ["*.py"]\n', "a.py": "x = 1\nx += 1  # noqa: SBX103\n"})
    assert _flake8(project, "a.py").stdout == ""
    assert _parse(_flake8(project, "--disable-noqa", "a.py").stdout) == {("a.py", 2, 1, "SBX103")}


def test_flake8_reports_a_configuration_error_as_sbx000(project: Path) -> None:
    write(project, {"pyproject.toml": '[tool.sandbox-lint]\nselct = ["SBX1"]\n', "a.py": "x = 1\n"})
    proc = _flake8(project, "a.py")
    assert proc.stdout.startswith("a.py:1:1: SBX000 configuration error: pyproject.toml: [tool.sandbox-lint] unknown key `selct`")
