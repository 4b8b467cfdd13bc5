"""What the CLI says it checked: green means checked and clean, never "nothing was found".

Through the real console script.
"""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import run, write

EVIL = 'import os\nos.system("x")\nx += 1\n'
HOST = (
    "import runtime\nenv = runtime.TaskEnvironment('e')\n\n"
    "@env.sandbox.orchestrator\ndef main(n: int) -> int:\n    return n + 1\n"
)
BAD_HOST = HOST.replace("    return n + 1\n", "    n += 1\n    return n\n")


def test_a_host_file_without_sandbox_code_is_not_all_checks_passed(project: Path) -> None:
    write(project, {"evil.py": EVIL})
    result = run("check", "evil.py", cwd=project)
    assert result.code == 0
    assert "All checks passed" not in result.out
    assert result.lines == [
        "No sandbox code found in 1 file: nothing was checked.",
        "hint: evil.py has no orchestrator or code string but reads like a sandbox script: check it with "
        "`sandbox-lint check --script evil.py`, or add it to `scripts` in [tool.sandbox-lint]",
    ]
    as_script = run("check", "--script", "evil.py", cwd=project)
    assert as_script.code == 1 and {line.split()[1] for line in as_script.findings} == {"SBX101", "SBX103"}


def test_a_library_gets_no_script_hint(project: Path) -> None:
    write(project, {"lib.py": "import os\n\n\ndef helper() -> int:\n    return 1\n"})
    result = run("check", "lib.py", cwd=project)
    assert result.lines == ["No sandbox code found in 1 file: nothing was checked."]


def test_the_summary_counts_what_was_checked(project: Path) -> None:
    write(project, {"flows.py": HOST, "bad.py": BAD_HOST, "lib.py": "x = 1\n"})
    clean = run("check", "flows.py", "lib.py", cwd=project)
    assert (clean.code, clean.lines) == (0, ["All checks passed! Checked 1 orchestrator in 1 file; no sandbox code in 1 file."])
    found = run("check", "flows.py", "bad.py", cwd=project)
    assert found.code == 1
    assert found.summary == ["Found 1 problem. 1 fixable with `--fix`.", "Checked 2 orchestrators in 2 files."]


def test_a_missing_path_is_an_error_and_never_all_checks_passed(project: Path) -> None:
    write(project, {"flows.py": HOST})
    result = run("check", "nothere.py", cwd=project)
    assert result.code == 2
    assert "nothere.py: no such file or directory" in result.err
    assert "All checks passed" not in result.out
    mixed = run("check", "nothere.py", "flows.py", cwd=project)
    assert mixed.code == 2
    assert mixed.lines == ["No problems found in the files that could be read (1 error above). Checked 1 orchestrator in 1 file."]


def test_machine_formats_keep_their_shape_and_say_what_was_checked_on_stderr(project: Path) -> None:
    write(project, {"evil.py": EVIL, "flows.py": BAD_HOST})
    result = run("check", "--output-format", "json", "evil.py", "flows.py", cwd=project)
    assert result.code == 1
    assert [item["code"] for item in json.loads(result.out)] == ["SBX103"]
    assert "sandbox-lint: checked 1 orchestrator in 1 file; no sandbox code in 1 file" in result.err
    assert "hint: evil.py" in result.err


def test_the_llm_format_ends_with_what_was_checked(project: Path) -> None:
    write(project, {"evil.py": EVIL})
    result = run("check", "--output-format", "llm", "evil.py", cwd=project)
    assert result.out == "no sandbox code found in 1 file: nothing was checked.\n"


def test_noqa_on_sandbox_code_is_noted_and_fails_ci_unless_acknowledged(project: Path) -> None:
    write(project, {"flows.py": BAD_HOST.replace("    n += 1\n", "    n += 1  # noqa: SBX103\n")})
    result = run("check", "flows.py", cwd=project)
    assert result.code == 1
    [line] = result.findings
    assert " SBX603 the runtime gate ignores `# noqa`: SBX103 here" in line
    acknowledged = run("check", "--ignore", "SBX603", "flows.py", cwd=project)
    assert acknowledged.code == 0


def test_the_parallel_check_gives_the_same_report(project: Path) -> None:
    files = {f"flows_{n:02d}.py": (BAD_HOST if n % 3 == 0 else HOST) for n in range(24)}
    write(project, files)
    parallel = run("check", ".", cwd=project)
    single = run("check", "--jobs", "1", ".", cwd=project)
    assert (parallel.code, parallel.out) == (single.code, single.out)
    assert parallel.summary[-1] == "Checked 24 orchestrators in 24 files."
    fixed = run("check", "--fix", ".", cwd=project)
    assert fixed.code == 0
    assert all("n = n + 1" in (project / name).read_text() for name, text in files.items() if text == BAD_HOST)
