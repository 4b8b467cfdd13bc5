"""The built distribution, installed where the repository cannot help it.

`installed` builds the sdist and, from it, the wheel (`python -m build`, so a
file missing from the sdist breaks the wheel), then installs the wheel with
its `flake8` extra into a fresh venv under the system temp folder, taking its
dependencies from the package index. One venv per test session: building and
installing take a minute, so the module's tests are marked `slow` (CI runs
them; `-m "not slow"` skips them locally).
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT_S = 900


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds or installs something (a venv, a bundle); CI runs it")


@dataclass(frozen=True)
class Installed:
    """A venv holding the built wheel, and the files it was built from."""

    venv: Path
    wheel: Path
    sdist: Path

    @property
    def bin(self) -> Path:
        return self.venv / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    def env(self) -> dict[str, str]:
        """The environment of a shell that activated the venv, and nothing of the repository's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
        env["PATH"] = os.pathsep.join([str(self.bin), env.get("PATH", os.defpath)])
        env["VIRTUAL_ENV"] = str(self.venv)
        return env

    def run(self, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args], cwd=cwd, env=self.env(), capture_output=True, text=True, timeout=120
        )


def _checked(command: list[str], **kwargs: object) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    dist = tmp_path_factory.mktemp("dist")
    _checked([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], cwd=dist)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    target = tmp_path_factory.mktemp("wheel-venv") / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    result = Installed(target, wheel, sdist)
    _checked(
        [str(result.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{wheel}[flake8]"],
        cwd=dist,
        env=result.env(),
    )
    return result
