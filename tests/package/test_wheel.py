"""The wheel stands alone: installed in a fresh venv outside the repository,
run from an empty folder, every entry point works (CLI, language server,
runtime, flake8 plugin), and the distribution carries its licence and types."""

from __future__ import annotations

import json
import tarfile
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from .conftest import Installed

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

PACKAGES = ("sandbox_lint", "runtime", "lsp")

HOST = textwrap.dedent(
    """\
    from runtime import TaskEnvironment

    env = TaskEnvironment(name="demo")


    @env.task
    def add(x: int, y: int) -> int:
        return x + y


    @env.sandbox.orchestrator
    def pipeline(values: list[int]) -> int:
        total = 0
        for v in values:
            total += add(v, 1)
        return total
    """
)
FINDING = "flows.py:15:9: SBX103 augmented assignment is not allowed: write `total = total + add(v, 1)`"

ORCHESTRATION = textwrap.dedent(
    """\
    import runtime

    env = runtime.TaskEnvironment(name="wheel")


    @env.task
    def add(x: int, y: int) -> int:
        return x + y


    @env.sandbox.orchestrator
    def pipeline(values: list[int]) -> dict[str, int]:
        total = 0
        for v in values:
            total = add(total, v)
        return {"total": total, "count": len(values)}


    print(pipeline([1, 2, 39]))
    """
)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty folder far from the repository: nothing to import by accident."""
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def _metadata(wheel: Path) -> tuple[list[str], str, str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        (entry_points_name,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        return names, archive.read(metadata_name).decode(), archive.read(entry_points_name).decode()


def test_the_wheel_carries_the_licence_the_types_and_flake8_as_an_extra(installed: Installed) -> None:
    names, metadata_text, entry_points = _metadata(installed.wheel)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    for package in PACKAGES:
        assert f"{package}/py.typed" in names
    metadata = Parser().parsestr(metadata_text)
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    requires = metadata.get_all("Requires-Dist") or []
    flake8 = [r for r in requires if r.startswith("flake8")]
    assert 'flake8>=7; extra == "flake8"' in flake8
    assert all("extra ==" in r for r in flake8), flake8  # never a hard dependency
    assert "flake8" in (metadata.get_all("Provides-Extra") or [])
    assert "[flake8.extension]\nSBX = sandbox_lint.flake8_plugin:SandboxLintPlugin" in entry_points
    assert "[console_scripts]\nsandbox-lint = sandbox_lint.cli:main" in entry_points


def test_the_sdist_carries_the_licence_readme_and_types(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as archive:
        top, *_ = archive.getnames()
        root = top.split("/")[0]
        names = set(archive.getnames())
    for member in ("LICENSE", "README.md", "pyproject.toml", *(f"{p}/py.typed" for p in PACKAGES)):
        assert f"{root}/{member}" in names, member


def test_the_packages_and_their_types_come_from_the_venv(installed: Installed, workdir: Path) -> None:
    probe = (
        "import json, pathlib, sandbox_lint, runtime, lsp;"
        "print(json.dumps({m.__name__: str(pathlib.Path(m.__file__).parent) for m in (sandbox_lint, runtime, lsp)}))"
    )
    result = installed.run(installed.python, "-c", probe, cwd=workdir)
    assert result.returncode == 0, result.stderr
    for package, folder in json.loads(result.stdout).items():
        assert Path(folder).is_relative_to(installed.venv), (package, folder)
        assert (Path(folder) / "py.typed").is_file()


def test_cli_reports_a_finding_with_exit_1(installed: Installed, workdir: Path) -> None:
    (workdir / "flows.py").write_text(HOST)
    result = installed.run("sandbox-lint", "check", "flows.py", cwd=workdir)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == FINDING
    assert result.stderr == ""


def test_the_language_server_prints_its_help(installed: Installed, workdir: Path) -> None:
    result = installed.run(installed.python, "-m", "lsp", "--help", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ") and "--tcp HOST:PORT" in result.stdout


def test_an_orchestration_runs_in_the_sandbox(installed: Installed, workdir: Path) -> None:
    (workdir / "pipeline.py").write_text(ORCHESTRATION)
    result = installed.run(installed.python, "pipeline.py", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'total': 42, 'count': 3}"


def test_flake8_select_sbx_gives_the_same_finding(installed: Installed, workdir: Path) -> None:
    (workdir / "flows.py").write_text(HOST)
    result = installed.run("flake8", "--select", "SBX", "flows.py", cwd=workdir)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [FINDING]


def test_the_flake8_plugin_imports_and_runs_without_flake8(installed: Installed, workdir: Path) -> None:
    """flake8 is an extra: the plugin module must not need it (here it is made unimportable)."""
    (workdir / "flows.py").write_text(HOST)
    probe = textwrap.dedent(
        """\
        import ast, importlib.metadata, json, sys
        sys.modules["flake8"] = None  # any `import flake8` now raises ImportError
        from sandbox_lint.flake8_plugin import SandboxLintPlugin
        text = open("flows.py").read()
        plugin = SandboxLintPlugin(ast.parse(text), text.splitlines(keepends=True), "flows.py")
        (entry,) = [e for e in importlib.metadata.entry_points(group="flake8.extension") if e.name == "SBX"]
        print(json.dumps({"results": [r[:3] for r in plugin.run()], "entry": entry.value}))
        """
    )
    result = installed.run(installed.python, "-c", probe, cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "results": [[15, 8, "SBX103 augmented assignment is not allowed: write `total = total + add(v, 1)`"]],
        "entry": "sandbox_lint.flake8_plugin:SandboxLintPlugin",
    }
