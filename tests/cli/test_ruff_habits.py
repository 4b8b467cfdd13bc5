"""CLI habits of ruff users (issue 11 §5), through the real console script:
`--exit-zero`, `--output-file`, `--select ALL`, did-you-mean for mistyped
options, `.gitignore` and `extend-exclude` when walking folders."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from .conftest import Result, run, write

AUG = "x = 1\nx += 1\n"
IMPORT = "import os\n"


def _codes(result: Result) -> list[str]:
    return [line.split(": ")[1].split()[0] for line in result.findings]


def _files(result: Result) -> list[str]:
    return sorted({line.split(":")[0] for line in result.findings})


# ---------------------------------------------------------------- --exit-zero


def test_exit_zero_reports_findings_and_exits_0(project: Path) -> None:
    write(project, {"a.py": AUG})
    plain = run("check", "--script", "a.py", cwd=project)
    zero = run("check", "--script", "--exit-zero", "a.py", cwd=project)
    assert plain.code == 1 and zero.code == 0
    assert zero.out == plain.out and zero.findings == ["a.py:2:1: SBX103 augmented assignment is not allowed: write `x = x + 1`"]
    diff = run("check", "--script", "--diff", "--exit-zero", "a.py", cwd=project)
    assert diff.code == 0 and "+x = x + 1" in diff.out and (project / "a.py").read_text() == AUG
    # Errors are not findings: a missing file still exits 2.
    missing = run("check", "--script", "--exit-zero", "a.py", "nothere.py", cwd=project)
    assert missing.code == 2 and "nothere.py: no such file or directory" in missing.err


# ---------------------------------------------------------------- --output-file


def test_output_file_gets_the_report_and_stderr_keeps_the_notes(project: Path) -> None:
    write(project, {"a.py": AUG, "flows.py": "x = 1\n"})
    expected = run("check", "--script", "a.py", cwd=project)
    result = run("check", "--script", "a.py", "--output-file", "reports/lint.txt", cwd=project)
    assert (result.code, result.out, result.err) == (1, "", "")
    assert (project / "reports" / "lint.txt").read_text() == expected.out  # the folder is created
    as_json = run("check", "--script", "a.py", "--output-format", "json", "-o", "lint.json", cwd=project)
    assert as_json.code == 1 and as_json.out == ""
    assert as_json.err.startswith("sandbox-lint: ") and "1 script in 1 file" in as_json.err  # what was checked
    assert '"code": "SBX103"' in (project / "lint.json").read_text()
    nothing = run("check", "flows.py", "-o", "lint.txt", cwd=project)  # host mode: the hint goes with the report
    assert nothing.code == 0 and nothing.out == ""
    assert (project / "lint.txt").read_text().startswith("No sandbox code found in 1 file")


def test_output_file_is_replaced_atomically_and_never_half_written(project: Path) -> None:
    write(project, {"a.py": AUG, "lint.txt": "stale report\n"})
    (project / "lint.txt").chmod(0o640)
    before = (project / "lint.txt").stat()
    result = run("check", "--script", "a.py", "-o", "lint.txt", cwd=project)
    after = (project / "lint.txt").stat()
    assert result.code == 1
    assert before.st_ino != after.st_ino  # a new file renamed over the old one, not rewritten in place
    assert stat.S_IMODE(after.st_mode) == 0o640  # with the old one's permissions
    assert (project / "lint.txt").read_text().startswith("a.py:2:1: SBX103")
    assert sorted(p.name for p in project.iterdir()) == ["a.py", "lint.txt", "pyproject.toml"]  # no temporary file left
    empty = run("check", "--script", "a.py", "-o", "", cwd=project)
    assert (empty.code, empty.out, empty.err) == (2, "", "sandbox-lint: error: --output-file needs a file name\n")
    (project / "folder").mkdir()
    failed = run("check", "--script", "a.py", "-o", "folder", cwd=project)
    assert failed.code == 2 and failed.err.startswith("sandbox-lint: error: folder: cannot write the report:")
    assert list((project / "folder").iterdir()) == []


def test_output_file_with_diff_statistics_and_stdin_fix(project: Path) -> None:
    write(project, {"a.py": AUG})
    diff = run("check", "--script", "--diff", "a.py", "-o", "fix.diff", cwd=project)
    assert diff.code == 1 and diff.out == "" and diff.err == "Would fix 1 problem in 1 file.\n"
    assert "+x = x + 1" in (project / "fix.diff").read_text()
    stats = run("check", "--script", "--statistics", "a.py", "-o", "stats.txt", cwd=project)
    assert stats.out == "" and "SBX103" in (project / "stats.txt").read_text()
    # Standard input with --fix: the fixed source on stdout, the findings in the file.
    piped = run("check", "--fix", "-", "-o", "left.txt", cwd=project, stdin="import os\nx = 1\nx += 1\n")
    assert piped.out == "import os\nx = 1\nx = x + 1\n"
    assert (project / "left.txt").read_text().startswith("<stdin>:1:1: SBX101")


# ---------------------------------------------------------------- --select ALL


def test_select_all_means_every_rule(project: Path) -> None:
    write(project, {"a.py": IMPORT + AUG})
    assert _codes(run("--script", "--select", "ALL", "a.py", cwd=project)) == ["SBX101", "SBX103"]
    assert _codes(run("--script", "--select", "all", "--ignore", "SBX10", "a.py", cwd=project)) == []
    assert _codes(run("--script", "--select", "ALL", "--ignore", "SBX103", "a.py", cwd=project)) == ["SBX101"]
    typo = run("--script", "--select", "AL", "a.py", cwd=project)
    assert typo.code == 2 and "unknown rule code or prefix `AL` (did you mean `ALL`?)" in typo.err


@pytest.mark.parametrize(
    "table, codes",
    [
        ('select = ["ALL"]\n', ["SBX101", "SBX103"]),
        ('select = ["ALL"]\nignore = ["SBX101"]\n', ["SBX103"]),
        ('ignore = ["ALL"]\n', []),  # the default select is ALL, so this ignores everything
        ('select = ["SBX103"]\nignore = ["ALL"]\n', ["SBX103"]),  # the more specific selector wins
        ('[tool.sandbox-lint.per-file-ignores]\n"a.py" = ["ALL"]\n', []),
    ],
)
def test_select_all_in_the_configuration(project: Path, table: str, codes: list[str]) -> None:
    write(project, {"pyproject.toml": "[tool.sandbox-lint]\n" + table, "a.py": IMPORT + AUG})
    result = run("--script", "a.py", cwd=project)
    assert _codes(result) == codes and result.code == (1 if codes else 0)


# ---------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    "args, message",
    [
        (("check", "--fxi", "a.py"), "sandbox-lint check: error: unknown option `--fxi` (did you mean `--fix`?)"),
        (("--fxi", "a.py"), "sandbox-lint check: error: unknown option `--fxi` (did you mean `--fix`?)"),
        (("check", "--exit-zeor"), "unknown option `--exit-zeor` (did you mean `--exit-zero`?)"),
        (("check", "--output-fiel=x"), "unknown option `--output-fiel` (did you mean `--output-file`?)"),
        # no abbreviations: a prefix is a mistake with a suggestion, never another option
        (("check", "--fi", "a.py"), "unknown option `--fi` (did you mean `--fix`?)"),
        (("rule", "--alll"), "sandbox-lint rule: error: unknown option `--alll` (did you mean `--all`?)"),
        (("rule", "SBX103", "extra"), "sandbox-lint rule: error: unexpected argument `extra`"),
        (("run", "a.py", "--tmeout-ms", "5"), "sandbox-lint run: error: unknown option `--tmeout-ms` (did you mean `--timeout-ms`?)"),
        (("stubs", "x:env", "--orchestrater", "f"), "unknown option `--orchestrater` (did you mean `--orchestrator`?)"),
        (("check", "--zzzzzz"), "sandbox-lint check: error: unknown option `--zzzzzz`\n"),
        (("--verison",), "unknown option `--verison` (did you mean `--version`?)"),
    ],
)
def test_mistyped_options_get_a_suggestion(project: Path, args: tuple[str, ...], message: str) -> None:
    write(project, {"a.py": AUG})
    result = run(*args, cwd=project)
    assert result.code == 2 and result.out == ""
    assert message in result.err
    assert result.err.endswith(" --help` lists the options.\n") and result.err.count("\n") == 2
    assert (project / "a.py").read_text() == AUG


def test_paths_and_options_in_any_order(project: Path) -> None:
    write(project, {"a.py": AUG, "b.py": AUG, "-odd.py": AUG})
    result = run("check", "a.py", "--fix", "b.py", "--script", cwd=project)
    assert result.code == 0
    assert (project / "a.py").read_text() == (project / "b.py").read_text() == "x = 1\nx = x + 1\n"
    dashed = run("check", "--script", "--", "-odd.py", cwd=project)  # after `--`, only paths
    assert _files(dashed) == ["-odd.py"]
    assert _files(run("--script", "a.py", "--", "-odd.py", cwd=project)) == ["-odd.py"]


# ---------------------------------------------------------------- .gitignore


def _git_environment(home: Path) -> dict[str, str]:
    """git without the machine's configuration (no global excludes file of the user running the tests)."""
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / "gitconfig")}


def _git(root: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=root, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    return done.stdout


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

TREE = {
    ".gitignore": "generated/\n*_gen.py\n!keep_gen.py\nsub/**/skip.py\n/rooted.py\n",
    "ok.py": AUG,
    "rooted.py": AUG,                     # /rooted.py: only at the top
    "pkg/rooted.py": AUG,
    "a_gen.py": AUG,                      # *_gen.py
    "keep_gen.py": AUG,                   # !keep_gen.py re-includes it
    "generated/out.py": AUG,              # a folder pattern
    "generated/deeper/out.py": AUG,
    "sub/skip.py": AUG,                   # sub/**/skip.py: zero folders too
    "sub/x/y/skip.py": AUG,
    "sub/x/y/ok.py": AUG,
    "sub/inner/.gitignore": "*.py\n!wanted.py\n",   # a nested .gitignore, its own negation
    "sub/inner/dropped.py": AUG,
    "sub/inner/wanted.py": AUG,
    "vendor/lib.py": AUG,                 # ignored through .git/info/exclude
    "global.py": AUG,                     # ignored through core.excludesFile
}
KEPT = ["keep_gen.py", "ok.py", "pkg/rooted.py", "sub/inner/wanted.py", "sub/x/y/ok.py"]


@pytest.fixture
def repository(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("home")
    env = _git_environment(home)
    (home / "global-ignore").write_text("global.py\n")
    (home / "gitconfig").write_text(f"[core]\n\texcludesFile = {home / 'global-ignore'}\n")
    write(project, TREE)
    _git(project, "init", "-q", env=env)
    (project / ".git" / "info").mkdir(exist_ok=True)
    (project / ".git" / "info" / "exclude").write_text("vendor/\n")
    return project, env


@needs_git
def test_a_walk_skips_what_git_ignores(repository: tuple[Path, dict[str, str]]) -> None:
    root, env = repository
    result = run("check", "--script", ".", cwd=root, env=env)
    assert _files(result) == KEPT
    assert result.err == ""
    # git's own answer: every file the walk skipped is one git lists as ignored
    listed = _git(root, "ls-files", "--others", "--ignored", "--exclude-standard", env=env).split()
    skipped = sorted({name for name in TREE if name.endswith(".py")} - set(KEPT))
    assert sorted(name for name in listed if name.endswith(".py")) == skipped
    # from a subfolder, the .gitignore above it still counts (up to the repository root)
    sub = run("check", "--script", ".", cwd=root / "sub", env=env)
    assert _files(sub) == ["inner/wanted.py", "x/y/ok.py"]
    everything = run("check", "--script", "--no-respect-gitignore", ".", cwd=root, env=env)
    assert _files(everything) == sorted(name for name in TREE if name.endswith(".py"))


@needs_git
def test_a_file_named_on_the_command_line_is_checked_even_if_ignored(repository: tuple[Path, dict[str, str]]) -> None:
    root, env = repository
    named = run("check", "--script", "a_gen.py", "generated/out.py", "sub", cwd=root, env=env)
    assert _files(named) == ["a_gen.py", "generated/out.py", "sub/inner/wanted.py", "sub/x/y/ok.py"]
    # a folder git ignores, named: all of it is checked (git ignores all of it; it was asked for)
    folder = run("check", "--script", "generated", cwd=root, env=env)
    assert _files(folder) == ["generated/deeper/out.py", "generated/out.py"]
    # `exclude` still applies to named files (it is the project's own word)
    write(root, {"pyproject.toml": '[tool.sandbox-lint]\nexclude = ["a_gen.py"]\n'})
    assert run("check", "--script", "a_gen.py", cwd=root, env=env).findings == []


@needs_git
def test_a_nested_repository_follows_its_own_rules(repository: tuple[Path, dict[str, str]]) -> None:
    root, env = repository
    write(root, {"libs/other/.gitignore": "local.py\n", "libs/other/local.py": AUG, "libs/other/ok_gen.py": AUG})
    _git(root / "libs" / "other", "init", "-q", env=env)
    result = run("check", "--script", "libs", cwd=root, env=env)
    # `*_gen.py` belongs to the outer repository; `local.py` to the inner one
    assert _files(result) == ["libs/other/ok_gen.py"]


def test_outside_a_repository_gitignore_is_not_read(project: Path) -> None:
    write(project, {".gitignore": "*.py\n", "a.py": AUG})
    result = run("check", "--script", ".", cwd=project)
    assert _files(result) == ["a.py"] and result.err == ""  # as git and ruff: no repository, no ignore rules


@needs_git
def test_without_git_nothing_is_skipped_and_a_warning_says_why(
    repository: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root, env = repository
    empty = tmp_path_factory.mktemp("no-git-here")
    result = run("check", "--script", ".", cwd=root, env={**env, "PATH": str(empty)})
    assert _files(result) == sorted(name for name in TREE if name.endswith(".py"))
    assert result.err == "sandbox-lint: warning: .gitignore files are not applied in .: git is not installed\n"


# ---------------------------------------------------------------- extend-exclude


def test_extend_exclude_adds_to_exclude(project: Path) -> None:
    write(project, {
        "pyproject.toml": '[tool.sandbox-lint]\nexclude = ["generated"]\nextend-exclude = ["vendored", "legacy_*.py"]\n',
        "generated/a.py": AUG, "vendored/b.py": AUG, "flows/legacy_c.py": AUG, "flows/d.py": AUG,
    })
    result = run("check", "--script", ".", cwd=project)
    assert _files(result) == ["flows/d.py"]
    assert run("check", "--script", "vendored/b.py", cwd=project).findings == []  # named: still excluded, as `exclude`
    only_extend = '[tool.sandbox-lint]\nextend-exclude = ["generated"]\n'
    write(project, {"pyproject.toml": only_extend})
    assert _files(run("check", "--script", ".", cwd=project)) == ["flows/d.py", "flows/legacy_c.py", "vendored/b.py"]


@pytest.mark.parametrize(
    "table, message",
    [
        ('extend-exlude = ["x"]\n', "unknown key `extend-exlude` (did you mean `extend-exclude`?)"),
        ('extend-exclude = "x"\n', '`extend-exclude` must be a list of strings, e.g. extend-exclude = ["x"]'),
    ],
)
def test_extend_exclude_mistakes(project: Path, table: str, message: str) -> None:
    write(project, {"pyproject.toml": "[tool.sandbox-lint]\n" + table, "a.py": AUG})
    result = run("check", ".", cwd=project)
    assert result.code == 2 and message in result.err


# ---------------------------------------------------------------- --watch


def test_watch_checks_again_when_a_file_changes_or_appears(project: Path) -> None:
    import queue
    import signal
    import threading

    from .conftest import LINT

    write(project, {"a.py": AUG})
    proc = subprocess.Popen(
        [str(LINT), "check", "--script", "--watch", "."], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.rstrip("\n")) for line in proc.stdout or ()], daemon=True).start()
    seen: list[str] = []

    def read_until(last: str) -> list[str]:
        start = len(seen)
        while True:
            try:  # a guard against a hang, not a timed assertion
                line = lines.get(timeout=120)
            except queue.Empty:
                proc.kill()
                raise AssertionError(f"no {last!r} from --watch; saw {seen}") from None
            seen.append(line)
            if line.endswith(last):
                return seen[start:]

    try:
        first = read_until("Checked 1 script in 1 file.")
        assert first[0].endswith("sandbox-lint: watching for changes (Ctrl-C stops)")
        assert first[1].startswith("a.py:2:1: SBX103")
        (project / "a.py").write_text("x = 1\n")
        assert read_until("All checks passed! Checked 1 script in 1 file.")[0].endswith("change detected, checking again")
        (project / "sub").mkdir()
        (project / "sub" / "b.py").write_text(AUG)  # a new file in a new folder
        # (a round may see it empty, half written: wait for the round that reports it)
        read_until("sub/b.py:2:1: SBX103 augmented assignment is not allowed: write `x = x + 1`")
        assert read_until("Checked 2 scripts in 2 files.")[-1] == "Checked 2 scripts in 2 files."
        # A configuration being edited: the mistake is reported and watching goes on.
        (project / "pyproject.toml").write_text('[tool.sandbox-lint]\nselct = ["SBX1"]\n')
        read_until("unknown key `selct` (did you mean `select`?)")
        (project / "pyproject.toml").write_text('[tool.sandbox-lint]\nignore = ["SBX103"]\n')
        assert read_until("All checks passed! Checked 2 scripts in 2 files.")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=120)
    assert code == 130
    assert not any("Traceback" in line for line in seen)


def test_watch_cannot_watch_standard_input(project: Path) -> None:
    result = run("check", "--watch", "-", cwd=project, stdin="x = 1\n")
    assert result.code == 2 and result.err == (
        "sandbox-lint: error: --watch cannot watch standard input: name the files or folders to watch\n"
    )
