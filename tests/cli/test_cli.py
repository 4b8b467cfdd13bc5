"""The `sandbox-lint` command, driven as a real process (the installed console script)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from sandbox_lint.diagnostics import Diagnostic

from .conftest import REPO, Result, run, write

AUG = "x = 1\nx += 1\n"
AUG_FIXED = "x = 1\nx = x + 1\n"
HOST = '''\
from runtime import TaskEnvironment

env = TaskEnvironment(name="demo")


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.sandbox.orchestrator
def flow(n: int) -> int:
    total = 0
    for i in range(n):
        total += add(i, 1)
    return total
'''


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err and "Traceback" not in result.out


# ---------------------------------------------------------------- exit codes and text


def test_findings_exit_1_with_sorted_text_lines_and_summary(project: Path) -> None:
    write(project, {"b.py": "import os\n" + AUG, "a.py": AUG})
    result = run("check", "--script", "b.py", "a.py", cwd=project)
    assert result.code == 1
    assert result.lines == [
        "a.py:2:1: SBX103 augmented assignment is not allowed: write `x = x + 1`",
        "b.py:1:1: SBX101 `import os` is not allowed: all available functions are provided directly; "
        "call the tasks and builtins by name",
        "b.py:3:1: SBX103 augmented assignment is not allowed: write `x = x + 1`",
        "Found 3 problems. 2 fixable with `--fix`.",
        "Checked 2 scripts in 2 files.",
    ]


def test_clean_file_exits_0(project: Path) -> None:
    write(project, {"ok.py": "x = 1\nx = x + 1\nx\n"})
    result = run("check", "--script", "ok.py", cwd=project)
    assert (result.code, result.out) == (0, "All checks passed! Checked 1 script in 1 file.\n")
    quiet = run("--script", "-q", "ok.py", cwd=project)
    assert (quiet.code, quiet.out) == (0, "")


def test_check_is_the_default_command_and_python_m_works(project: Path) -> None:
    write(project, {"a.py": AUG})
    explicit = run("check", "--script", "a.py", cwd=project)
    implicit = run("--script", "a.py", cwd=project)
    assert explicit == implicit and explicit.code == 1
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "sandbox_lint", "--script", "a.py"], cwd=project, capture_output=True, text=True
    )
    assert (proc.returncode, proc.stdout) == (1, explicit.out)


def test_host_mode_is_the_default_and_checks_only_orchestrators(project: Path) -> None:
    write(project, {"host.py": HOST, "plain.py": "import os\nx = 1\nx += 1\n"})
    result = run("host.py", "plain.py", cwd=project)
    assert result.code == 1
    assert result.lines[0] == "host.py:15:9: SBX103 augmented assignment is not allowed: write `total = total + add(i, 1)`"
    assert not any(line.startswith("plain.py") for line in result.lines)
    as_script = run("--script", "plain.py", cwd=project)
    assert [line.split(": ")[1].split()[0] for line in as_script.findings] == ["SBX101", "SBX103"]


def test_directories_are_walked_for_py_files_skipping_tool_folders(project: Path) -> None:
    files = {
        "pkg/a.py": AUG,
        "pkg/sub/b.py": AUG,
        "pkg/notes.txt": AUG,
        "pkg/.venv/lib/c.py": AUG,
        "pkg/node_modules/d.py": AUG,
        "pkg/__pycache__/e.py": AUG,
        "pkg/build/f.py": AUG,
        "pkg/dist/g.py": AUG,
        "pkg/.git/h.py": AUG,
        "pkg/myenv/pyvenv.cfg": "home = /usr\n",
        "pkg/myenv/i.py": AUG,
    }
    write(project, files)
    result = run("--script", "pkg", cwd=project)
    assert result.code == 1
    assert sorted({line.split(":")[0] for line in result.lines if ": SBX" in line}) == ["pkg/a.py", "pkg/sub/b.py"]
    assert result.lines[-1] == "Checked 2 scripts in 2 files."


def test_no_path_checks_the_working_directory(project: Path) -> None:
    write(project, {"one.py": AUG})
    result = run("--script", cwd=project)
    assert result.code == 1 and result.lines[0].startswith("one.py:2:1: SBX103")


def test_missing_and_unreadable_paths_exit_2_with_one_line_each(project: Path) -> None:
    write(project, {"a.py": AUG})
    (project / "dangling.py").symlink_to(project / "gone.py")
    result = run("--script", "a.py", "missing.py", "dangling.py", cwd=project)
    assert result.code == 2
    assert "sandbox-lint: error: missing.py: no such file or directory" in result.err
    assert "sandbox-lint: error: dangling.py: cannot read: No such file or directory" in result.err
    assert result.lines[0].startswith("a.py:2:1: SBX103")  # the readable file is still checked
    _no_traceback(result)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_exits_2(project: Path) -> None:
    write(project, {"secret.py": AUG})
    (project / "secret.py").chmod(0)
    result = run("--script", "secret.py", cwd=project)
    assert result.code == 2 and "secret.py: cannot read: Permission denied" in result.err


def test_usage_errors_exit_2(project: Path) -> None:
    result = run("check", "--output-format", "xml", "a.py", cwd=project)
    assert result.code == 2 and "invalid choice: 'xml'" in result.err
    result = run("check", "--select", "SBX13", "a.py", cwd=project)
    assert result.code == 2
    assert "sandbox-lint: error: --select: unknown rule code or prefix `SBX13`" in result.err
    _no_traceback(result)


def test_version_and_help(project: Path) -> None:
    assert run("--version", cwd=project).out.startswith("sandbox-lint ")
    help_text = run("--help", cwd=project)
    assert help_text.code == 0 and all(cmd in help_text.out for cmd in ("check", "rule", "run", "stubs", "lsp"))
    check_help = run("check", "--help", cwd=project)
    for option in ("--fix", "--unsafe-fixes", "--diff", "--select", "--ignore", "--statistics",
                   "--output-format", "--script", "--interface", "--stdin-filename"):
        assert option in check_help.out


# ---------------------------------------------------------------- stdin


def test_stdin_is_checked_in_script_mode(project: Path) -> None:
    result = run("-", cwd=project, stdin="import os\n")
    assert result.code == 1
    assert result.lines[0].startswith("<stdin>:1:1: SBX101 ")


def test_stdin_filename_names_the_file_and_picks_its_configuration(project: Path) -> None:
    write(project, {"pyproject.toml": '[tool.sandbox-lint]\nscripts = ["flows/*.py"]\n'})
    as_script = run("--stdin-filename", "flows/job.py", cwd=project, stdin="import os\n")
    assert as_script.code == 1 and as_script.lines[0].startswith("flows/job.py:1:1: SBX101")
    as_host = run("-", "--stdin-filename", "lib/util.py", cwd=project, stdin="import os\n")
    # A host file with no sandbox code: clean, and the summary says nothing was checked.
    assert (as_host.code, as_host.out) == (0, "No sandbox code found in 1 file: nothing was checked.\n")


def test_stdin_fix_prints_the_fixed_source_and_reports_on_stderr(project: Path) -> None:
    result = run("--fix", "-", cwd=project, stdin="x = 1\nx += 2\nimport os\n")
    assert result.out == "x = 1\nx = x + 2\nimport os\n"
    assert result.code == 1
    assert "<stdin>:3:1: SBX101" in result.err and "1 fixed, 1 remaining" in result.err


# ---------------------------------------------------------------- fixes


def test_fix_writes_the_file_and_is_idempotent(project: Path) -> None:
    source = "total = 0\nfor v in [1, 2]:\n    total += v\nassert total, 'empty'\ntotal\n"
    write(project, {"job.py": source})
    first = run("--script", "--fix", "job.py", cwd=project)
    fixed = (project / "job.py").read_text()
    assert fixed == (
        "total = 0\nfor v in [1, 2]:\n    total = total + v\n"
        "if not total:\n    raise AssertionError('empty')\ntotal\n"
    )
    assert (first.code, first.out) == (0, "Found 2 problems (2 fixed, 0 remaining). Checked 1 script in 1 file.\n")
    second = run("--script", "--fix", "job.py", cwd=project)
    assert (second.code, second.out) == (0, "All checks passed! Checked 1 script in 1 file.\n")
    assert (project / "job.py").read_text() == fixed


def test_fix_reports_what_remains_and_exits_1(project: Path) -> None:
    write(project, {"job.py": "import os\n" + AUG})
    result = run("--script", "--fix", "job.py", cwd=project)
    assert (project / "job.py").read_text() == "import os\n" + AUG_FIXED
    assert result.code == 1
    assert result.lines == [
        "job.py:1:1: SBX101 `import os` is not allowed: all available functions are provided directly; "
        "call the tasks and builtins by name",
        "Found 2 problems (1 fixed, 1 remaining).",
        "Checked 1 script in 1 file.",
    ]


def test_unsafe_fixes_apply_only_with_unsafe_fixes(project: Path) -> None:
    write(project, {"job.py": "xs = {1, 2}\nxs\n"})
    safe_only = run("--script", "--fix", "job.py", cwd=project)
    assert (project / "job.py").read_text() == "xs = {1, 2}\nxs\n"
    assert safe_only.code == 1 and "1 fixable with `--fix --unsafe-fixes`" in safe_only.out
    unsafe = run("--script", "--fix", "--unsafe-fixes", "job.py", cwd=project)
    assert (project / "job.py").read_text() == "xs = [1, 2]\nxs\n"
    assert unsafe.code == 0
    again = run("--script", "--fix", "--unsafe-fixes", "job.py", cwd=project)
    assert again.code == 0 and (project / "job.py").read_text() == "xs = [1, 2]\nxs\n"


def test_diff_prints_a_unified_diff_and_writes_nothing(project: Path) -> None:
    write(project, {"job.py": AUG})
    result = run("--script", "--diff", "job.py", cwd=project)
    assert result.code == 1
    assert result.out == "--- job.py\n+++ job.py\n@@ -1,2 +1,2 @@\n x = 1\n-x += 1\n+x = x + 1\n"
    assert "Would fix 1 problem in 1 file." in result.err
    assert (project / "job.py").read_text() == AUG
    write(project, {"clean.py": AUG_FIXED, "unfixable.py": "import os\n"})
    nothing = run("--script", "--diff", "clean.py", "unfixable.py", cwd=project)
    assert (nothing.code, nothing.out) == (0, "")


def test_diff_marks_a_missing_final_newline(project: Path) -> None:
    write(project, {"job.py": "x = 1\nx += 1"})
    result = run("--script", "--diff", "job.py", cwd=project)
    assert result.out.endswith("+x = x + 1\n\\ No newline at end of file\n")


def test_fix_keeps_crlf_bom_encoding_and_mode(project: Path) -> None:
    crlf = b"x = 1\r\nx += 1\r\nassert x\r\n"
    bom = b"\xef\xbb\xbfname = '\xc3\xa9t\xc3\xa9'\r\nname += '!'\r\n"
    latin = b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\nname += '!'\n"
    cr = b"x = 1\rx += 1\rassert x\r"  # old Mac line breaks
    write(project, {"crlf.py": crlf, "bom.py": bom, "latin.py": latin, "cr.py": cr})
    (project / "crlf.py").chmod(0o751)
    result = run("--script", "--fix", "crlf.py", "bom.py", "latin.py", "cr.py", cwd=project)
    assert result.code == 0, result.out + result.err
    assert (project / "crlf.py").read_bytes() == b"x = 1\r\nx = x + 1\r\nif not x:\r\n    raise AssertionError()\r\n"
    assert (project / "bom.py").read_bytes() == b"\xef\xbb\xbfname = '\xc3\xa9t\xc3\xa9'\r\nname = name + '!'\r\n"
    assert (project / "latin.py").read_bytes() == b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\nname = name + '!'\n"
    assert (project / "cr.py").read_bytes() == b"x = 1\rx = x + 1\rif not x:\r    raise AssertionError()\r"
    assert stat.S_IMODE((project / "crlf.py").stat().st_mode) == 0o751
    assert not [p.name for p in project.iterdir() if p.name.endswith(".tmp")]


def test_fix_writes_through_a_symlink(project: Path) -> None:
    write(project, {"real/job.py": AUG})
    (project / "link.py").symlink_to(project / "real" / "job.py")
    run("--script", "--fix", "link.py", cwd=project)
    assert (project / "link.py").is_symlink()
    assert (project / "real" / "job.py").read_text() == AUG_FIXED


def test_fix_leaves_unparsable_files_untouched(project: Path) -> None:
    broken = "x = (1 +\nx += 1\n"
    write(project, {"broken.py": broken})
    result = run("--script", "--fix", "broken.py", cwd=project)
    assert result.code == 1 and "SBX900" in result.out
    assert (project / "broken.py").read_text() == broken


# ---------------------------------------------------------------- statistics, select, ignore


def test_statistics_counts_per_code(project: Path) -> None:
    write(project, {"a.py": "import os\nimport re\nx = 1\nx += 1\n", "b.py": "import json\n"})
    result = run("--script", "--statistics", "a.py", "b.py", cwd=project)
    assert result.code == 1
    assert [line.split("\t") for line in result.lines] == [
        ["3", "SBX101", "[ ] import"],
        ["1", "SBX103", "[*] augmented-assignment"],
    ]


def test_select_replaces_the_configuration_and_ignore_adds_to_it(project: Path) -> None:
    write(project, {
        "pyproject.toml": '[tool.sandbox-lint]\nignore = ["SBX101"]\n',
        "a.py": "import os\nx = {1}\n" + AUG,
    })

    def codes(*args: str) -> list[str]:
        return [line.split()[1] for line in run("--script", *args, "a.py", cwd=project).findings]

    assert codes() == ["SBX110", "SBX103"]
    assert codes("--select", "SBX101") == ["SBX101"]  # the configured ignore goes too, as in ruff
    assert codes("--ignore", "SBX103") == ["SBX110"]
    assert codes("--select", "SBX1,SBX9", "--ignore", "sbx103") == ["SBX101", "SBX110"]
    assert codes("--select", "SBX1", "--select", "SBX2", "--ignore", "SBX11,SBX103") == ["SBX101"]


# ---------------------------------------------------------------- rule docs


def test_rule_prints_the_docs(project: Path) -> None:
    result = run("rule", "SBX103", cwd=project)
    assert result.code == 0
    assert result.out.startswith("# SBX103 augmented-assignment\n")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert section in result.out
    assert "Fix: safe" in result.out
    by_name = run("rule", "augmented-assignment", cwd=project)
    lower = run("rule", "sbx103", cwd=project)
    assert by_name.out == result.out == lower.out


def test_rule_all_lists_every_rule(project: Path) -> None:
    from sandbox_lint.rules import RULES_BY_CODE

    result = run("rule", "--all", cwd=project)
    assert result.code == 0
    headers = [line for line in result.lines if line.startswith("# SBX")]
    assert [h.split()[1] for h in headers] == list(RULES_BY_CODE)


def test_rule_unknown_code_exits_2_with_a_suggestion(project: Path) -> None:
    result = run("rule", "SBX1033", cwd=project)
    assert result.code == 2
    assert result.err.strip() == (
        "sandbox-lint: error: unknown rule `SBX1033` (did you mean `SBX103`?); "
        "`sandbox-lint rule --all` lists every rule"
    )
    assert run("rule", cwd=project).code == 2


# ---------------------------------------------------------------- bad input


def test_invalid_utf8_is_sbx900_at_the_bad_byte(project: Path) -> None:
    write(project, {"bad.py": b"x = 1\ny = 'ab\xffc'\n"})
    result = run("--script", "bad.py", cwd=project)
    assert result.code == 1
    assert result.lines[0] == (
        "bad.py:2:8: SBX900 the file is not valid UTF-8 (invalid start byte at byte 0xff): save it as UTF-8"
    )
    _no_traceback(result)
    from_stdin = run("-", cwd=project, stdin=b"\x00\xfe\xfe")
    assert from_stdin.code == 1 and from_stdin.lines[0].startswith("<stdin>:1:")
    assert "SBX900" in from_stdin.lines[0]


def test_unknown_encoding_declaration_is_sbx900(project: Path) -> None:
    write(project, {"enc.py": b"# -*- coding: klingon -*-\nx = 1\n"})
    result = run("--script", "enc.py", cwd=project)
    assert result.code == 1 and "SBX900" in result.out and "klingon" in result.out
    _no_traceback(result)


@pytest.mark.parametrize(
    "data, line, column, words",
    [
        (b"x = 1\ny = 'ab\xffc'\n", 2, 8, "not valid UTF-8 (invalid start byte at byte 0xff)"),
        (b"\xff = 1\n", 1, 1, "not valid UTF-8 (invalid start byte at byte 0xff)"),
        (b"# caf\xe9\n", 1, 6, "not valid UTF-8 (invalid continuation byte at byte 0xe9)"),
        (b"\xef\xbb\xbfx = 1\ny = '\xc3'\n", 2, 6, "not valid UTF-8 (invalid continuation byte at byte 0xc3)"),
        (b"# coding: klingon\nx = 1\n", 1, 1, "invalid encoding declaration (unknown encoding: klingon)"),
        (b"#!/usr/bin/env python\n# -*- coding: nope -*-\n", 2, 1, "invalid encoding declaration (unknown encoding: nope)"),
        (b"\xef\xbb\xbf# coding: latin-1\n", 1, 1, "starts with a UTF-8 byte-order mark but declares another encoding"),
        (b"# coding: ascii\nx = '\xe9'\n", 2, 6, "not valid ascii (ordinal not in range(128) at byte 0xe9)"),
    ],
)
def test_undecodable_bytes_are_located_exactly(data: bytes, line: int, column: int, words: str) -> None:
    from sandbox_lint.files import decode

    found = decode(data)
    assert isinstance(found, Diagnostic), found
    assert (found.code, found.line, found.column) == ("SBX900", line, column)
    assert words in found.message


@pytest.mark.parametrize(
    "data, text, encoding",
    [
        (b"x = 1\r\ny = 2\r\n", "x = 1\r\ny = 2\r\n", "utf-8"),
        (b"\xef\xbb\xbfx = '\xc3\xa9'\n", "x = '\xe9'\n", "utf-8-sig"),
        (b"# coding: latin-1\nx = '\xe9'\n", "# coding: latin-1\nx = '\xe9'\n", "iso-8859-1"),
        (b"", "", "utf-8"),
    ],
)
def test_decoding_keeps_what_writing_back_needs(data: bytes, text: str, encoding: str) -> None:
    from sandbox_lint.files import Decoded, decode, encode

    found = decode(data)
    assert isinstance(found, Decoded) and (found.text, found.encoding) == (text, encoding)
    assert encode(found.text, found) == data


def test_huge_file_is_sbx206(project: Path) -> None:
    write(project, {
        "pyproject.toml": "[tool.sandbox-lint.limits]\nmax-bytes = 1000\n",
        "big.py": "x = 1\n" * 400,
    })
    result = run("--script", "big.py", cwd=project)
    assert result.code == 1 and result.lines[0].startswith("big.py:1:1: SBX206 source is 2,400 bytes")


def test_internal_errors_are_one_line_unless_debugging(project: Path) -> None:
    write(project, {"a.py": AUG})
    code = (
        "import sys\n"
        "import sandbox_lint.config as config\n"
        "def boom(self, source):\n"
        "    raise RuntimeError('simulated bug')\n"
        "config.FileConfig.report = boom\n"
        "from sandbox_lint.cli import main\n"
        "sys.exit(main(['--script', 'a.py']))\n"
    )
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "SANDBOX_LINT_DEBUG"}
    quiet = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, env=env)
    assert quiet.returncode == 2
    assert quiet.stderr.strip() == (
        "sandbox-lint: error: a.py: internal error: RuntimeError: simulated bug "
        "(please report it; SANDBOX_LINT_DEBUG=1 shows the traceback)"
    )
    loud = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, env={**env, "SANDBOX_LINT_DEBUG": "1"}
    )
    assert loud.returncode == 2 and "Traceback" in loud.stderr and "simulated bug" in loud.stderr


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[tool.sandbox-lint]\nselct = ["SBX1"]\n',
         "pyproject.toml: [tool.sandbox-lint] unknown key `selct` (did you mean `select`?)"),
        ('[tool.sandbox-lint]\nselect = "SBX1"\n',
         'pyproject.toml: [tool.sandbox-lint] `select` must be a list of strings, e.g. select = ["SBX1"]'),
        ('[tool.sandbox-lint]\nignore = [1]\n',
         "pyproject.toml: [tool.sandbox-lint] `ignore` must be a list of strings, got a list with non-string items"),
        ('[tool.sandbox-lint]\nignore = ["SBX13"]\n',
         "pyproject.toml: [tool.sandbox-lint] `ignore`: unknown rule code or prefix `SBX13`"),
        ('[tool.sandbox-lint\nselect = []\n', "pyproject.toml: invalid TOML: "),
        ('[tool.sandbox-lint]\ninterface = "nope.pyi"\n',
         "pyproject.toml: [tool.sandbox-lint] `interface`: interface stub `nope.pyi` does not exist"),
        ('[tool.sandbox-lint.limits]\nmax-depth = "deep"\n',
         "pyproject.toml: [tool.sandbox-lint] `limits.max-depth` must be a positive integer, got a string 'deep'"),
        ('[tool.sandbox-lint.limits]\nmax-bites = 10\n',
         "pyproject.toml: [tool.sandbox-lint.limits] unknown key `max-bites` (did you mean `max-bytes`?)"),
        ('[tool.sandbox-lint]\nper-file-ignores = ["a.py"]\n',
         "pyproject.toml: [tool.sandbox-lint] `per-file-ignores` must be a table of glob = [codes]"),
    ],
)
def test_configuration_errors_exit_2_with_a_clear_line(project: Path, toml: str, message: str) -> None:
    write(project, {"pyproject.toml": toml, "a.py": AUG})
    result = run("--script", "a.py", cwd=project)
    assert result.code == 2
    assert result.err.startswith(f"sandbox-lint: error: {message}"), result.err
    assert result.err.count("\n") == 1 and result.out == ""
    _no_traceback(result)


def test_invalid_interface_stub_names_the_stub(project: Path) -> None:
    write(project, {
        "pyproject.toml": '[tool.sandbox-lint]\ninterface = "tasks.pyi"\n',
        "tasks.pyi": "def add(x: int) -> int: ...\nprint('hi')\n",
        "a.py": "x = 1\n",
    })
    result = run("--script", "a.py", cwd=project)
    assert result.code == 2
    assert result.err.startswith("sandbox-lint: error: tasks.pyi: invalid interface stub: statement 2:")


def test_config_scripts_interface_and_per_file_ignores(project: Path) -> None:
    write(project, {
        "pyproject.toml": (
            "[tool.sandbox-lint]\n"
            'scripts = ["flows/**/*.py"]\n'
            'interface = "flows/tasks.pyi"\n'
            'exclude = ["flows/generated"]\n'
            "[tool.sandbox-lint.per-file-ignores]\n"
            '"legacy_*.py" = ["SBX103"]\n'
        ),
        "flows/tasks.pyi": "def add(x: int, y: int) -> int: ...\nn: int\n",
        "flows/job.py": "total = add(n, 1)\ntotal = ad(total, 2)\n",
        "flows/deep/legacy_job.py": "total = add(n, 1)\ntotal += 1\nimport os\n",
        "flows/generated/out.py": "import os\n",
        "lib.py": "import os\n",
    })
    result = run(".", cwd=project)
    assert result.code == 1
    assert result.findings == [
        "flows/deep/legacy_job.py:3:1: SBX101 `import os` is not allowed: all available functions are provided "
        "directly; call the tasks and builtins by name",
        "flows/job.py:2:9: SBX401 `ad` is not defined: did you mean `add`? (available tasks: `add`; inputs: `n`)",
    ]
    # Excluded files are skipped even when named on the command line.
    assert run("flows/generated/out.py", cwd=project).code == 0
    # Checking from a subfolder finds the same configuration.
    sub = run("job.py", cwd=project / "flows")
    assert sub.code == 1 and sub.lines[0].startswith("job.py:2:9: SBX401")


def test_config_option_and_interface_option(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("conf")
    write(elsewhere, {"pyproject.toml": '[tool.sandbox-lint]\nselect = ["SBX103"]\n', "api.pyi": "def add(x: int, y: int) -> int: ...\n"})
    write(project, {"a.py": "import os\n" + AUG, "b.py": "add(1)\n"})
    result = run("--script", "--config", str(elsewhere / "pyproject.toml"), "a.py", cwd=project)
    assert [line.split()[1] for line in result.findings] == ["SBX103"]
    stub = run("--interface", str(elsewhere / "api.pyi"), "b.py", cwd=project)  # implies --script
    assert stub.code == 1 and stub.lines[0].startswith("b.py:1:1: SBX403")
    missing = run("--interface", "nope.pyi", "b.py", cwd=project)
    assert missing.code == 2 and "--interface: interface stub `nope.pyi` does not exist" in missing.err


def test_noqa_comments(project: Path) -> None:
    write(project, {"a.py": (
        "x = 1\n"
        "x += 1  # noqa: SBX103\n"
        "x += 2  # noqa\n"
        "x += 3  # noqa: SBX101\n"
        "import os  # noqa:SBX101,SBX103\n"
    )})
    quiet = run("--script", "--ignore", "SBX602,SBX603", "a.py", cwd=project)
    assert quiet.findings == ["a.py:4:1: SBX103 augmented assignment is not allowed: write `x = x + 3`"]
    # By default the comments themselves are judged: the gate ignores them on
    # sandbox code (SBX603, once per hidden finding), and a code that
    # suppresses nothing is stale (SBX602).
    result = run("--script", "a.py", cwd=project)
    assert [line.split(": ")[0] + " " + line.split(": ")[1].split()[0] for line in result.findings] == [
        "a.py:2:9 SBX603", "a.py:3:9 SBX603", "a.py:4:1 SBX103", "a.py:4:9 SBX602", "a.py:5:12 SBX602", "a.py:5:12 SBX603",
    ]
    fixed = run("--script", "--fix", "--ignore", "SBX602,SBX603", "a.py", cwd=project)
    assert fixed.code == 0
    assert (project / "a.py").read_text().splitlines()[1:4] == [
        "x += 1  # noqa: SBX103", "x += 2  # noqa", "x = x + 3  # noqa: SBX101"
    ]


# ---------------------------------------------------------------- run, stubs, lsp


def test_stubs_and_run_delegate_to_the_runtime(project: Path) -> None:
    tasks = REPO / "tests" / "runtime" / "sample_tasks.py"
    stubs = run("stubs", f"{tasks}:env", cwd=project)
    assert stubs.code == 0 and "def add(" in stubs.out
    write(project, {"job.py": "add(x, 2)\n"})
    ran = run("run", "job.py", "--tasks", f"{tasks}:env", "--input", "x=40", cwd=project)
    assert (ran.code, ran.out) == (0, "42\n")
    rejected = run("run", "job.py", "--tasks", f"{tasks}:env", cwd=project)
    assert rejected.code == 1 and "SBX401" in rejected.err


def test_lsp_help_comes_from_the_server(project: Path) -> None:
    result = run("lsp", "--help", cwd=project)
    assert result.code == 0 and "usage: sandbox-lint lsp" in result.out and "--tcp" in result.out
