"""Helpers for driving the real `sandbox-lint` console script in a subprocess."""

from __future__ import annotations

import re

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LINT = BIN / "sandbox-lint"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a minute (still runs in CI)")


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def findings(self) -> list[str]:
        """The `path:line:col: CODE message` lines (not the summary)."""
        return [line for line in self.lines if re.match(r"^.+?:\d+:\d+: [A-Z]+\d+ ", line)]

    @property
    def summary(self) -> list[str]:
        """The lines after the findings: what was found, what was checked, hints."""
        return [line for line in self.lines if line not in self.findings]


def run(
    *args: str,
    cwd: Path,
    stdin: bytes | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Result:
    """Run the installed `sandbox-lint` with `args` in `cwd`."""
    executable = str(LINT) if LINT.exists() else shutil.which("sandbox-lint")
    assert executable, "the sandbox-lint console script is not installed (pip install -e .)"
    data = stdin.encode() if isinstance(stdin, str) else stdin
    environment = dict(os.environ)
    environment.pop("SANDBOX_LINT_DEBUG", None)
    environment.update(env or {})
    proc = subprocess.run(
        [executable, *args],
        cwd=cwd,
        input=data if data is not None else b"",
        capture_output=True,
        env=environment,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder with its own pyproject.toml (so no outer config leaks in)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    return tmp_path
