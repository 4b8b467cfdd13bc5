"""The pre-commit hooks, for real: `pre-commit try-repo` against a copy of this repository.

The copy holds the working tree's files (what is committed plus uncommitted
changes, as the rest of the suite sees them), committed in a fresh git repo,
so the test works from a clean checkout and during development alike.
pre-commit builds the hook's environment by pip-installing that copy (its
dependencies come from the package index) into a `PRE_COMMIT_HOME` of its
own; the three runs below share that one environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, write

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
# What pip needs to build and install the package.
PACKAGE_PATHS = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "sandbox_lint", "runtime", "lsp")


def _git(*args: str, cwd: Path) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return proc.stdout


def _hook_repo(dest: Path) -> Path:
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    dest.mkdir()
    for name in listed:
        if not name or not name.startswith(PACKAGE_PATHS):
            continue
        source = REPO / name
        if not source.is_file():
            continue  # deleted in the working tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    _git("init", "-q", cwd=dest)
    _git("add", "-A", cwd=dest)
    _git("commit", "-q", "-m", "sandbox-lint under test", cwd=dest)
    return dest


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_pre_commit_try_repo_runs_the_check_and_fix_hooks(tmp_path: Path) -> None:
    hooks = _hook_repo(tmp_path / "hooks")
    work = tmp_path / "work"
    work.mkdir()
    write(work, {
        "pyproject.toml": '[tool.sandbox-lint]\nscripts = ["flows/*.py"]\n',
        "flows/bad.py": "import os\nx = 1\nx += 1\n",
        "flows/good.py": "x = 1\nx = x + 1\nx\n",
        "notes.md": "x += 1\n",
    })
    _git("init", "-q", cwd=work)
    _git("add", "-A", cwd=work)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "SANDBOX_LINT", "VIRTUAL_ENV"))},
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }

    def try_repo(hook: str, *files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PRE_COMMIT), "try-repo", str(hooks), hook, "--verbose", "--files", *files],
            cwd=work, capture_output=True, text=True, env=env, timeout=1100,
        )

    check = try_repo("sandbox-lint", "flows/bad.py", "flows/good.py", "notes.md")
    output = check.stdout + check.stderr
    assert check.returncode == 1, output
    assert "flows/bad.py:1:1: SBX101" in output and "flows/bad.py:3:1: SBX103" in output
    assert not any(line.startswith("flows/good.py:") for line in output.splitlines())
    assert "notes.md" not in output  # `types: [python]`

    fix = try_repo("sandbox-lint-fix", "flows/bad.py", "flows/good.py")
    output = fix.stdout + fix.stderr
    assert fix.returncode == 1, output  # a remaining finding, and the file was modified
    assert (work / "flows" / "bad.py").read_text() == "import os\nx = 1\nx = x + 1\n"
    assert "flows/bad.py:1:1: SBX101" in output and "1 fixed, 1 remaining" in output

    clean = try_repo("sandbox-lint", "flows/good.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
